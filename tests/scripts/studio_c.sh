#!/bin/sh
# The studio's C pieces that need no civetweb and no browser: the protocol's JSON reader and writer
# the atomic save and the session's compile results (studio/test/c/test_studio_c.c). Prints "N passed, N failed".
O=${O:-build}
cd "$(dirname "$0")/../.." || exit 1
mkdir -p "$O/studio"
bin=$O/studio/test_studio_c
if ! ${CC:-cc} -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Wpedantic -Wshadow -Wmissing-prototypes \
    -Wstrict-prototypes -Wno-unused-parameter -Icli -Isrc -Iinclude -o "$bin" studio/test/c/test_studio_c.c \
    cli/studio_json.c cli/studio_file.c cli/studio_session.c cli/common.c "$O/libsigjit.a" \
    $(pkg-config --libs capstone 2>/dev/null) -lm -lpthread; then
  echo "0 passed, 1 failed"
  exit 1
fi
"$bin"
