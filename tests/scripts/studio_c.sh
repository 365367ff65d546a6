#!/bin/sh
# The studio's C pieces that need no civetweb and no browser: the atomic save and the session's
# compile results (studio/test/c/test_studio_c.c, built by make). The protocol's JSON reader and
# writer are the library's (src/base/json.c), tested by tests/test_base_json.c.
# Prints "N passed, N failed".
O=${O:-build}
cd "$(dirname "$0")/../.." || exit 1
bin=$O/studio/test_studio_c
if [ ! -x "$bin" ]; then
  echo "no $bin (run make)"
  echo "0 passed, 1 failed"
  exit 1
fi
"$bin"
