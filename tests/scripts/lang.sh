#!/bin/sh
# Language tests: every tests/lang/*.sj (and *.json block file) is run through the sigjit command and
# its output compared with the expected files next to it:
#   NAME.out   expected stdout (if absent, stdout is not checked)
#   NAME.err   expected stderr (if absent, stderr must be empty)
# Directives in the first lines of the source (text files: comments):
#   # args: run --frames 4      the command line before the file (default: run --frames 4)
#   # exit: 1                   the expected exit status (default 0, or 1 when NAME.err exists)
# Prints one "N passed, N failed" line; exits non-zero if anything failed.
O="${O:-build}"
SJ="$O/sigjit"
passed=0; failed=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for src in tests/lang/*.sj tests/lang/*.json; do
  [ -f "$src" ] || continue
  base="${src%.*}"
  args=$(sed -n 's/^.*# args: *//p' "$src" | head -n 1)
  [ -n "$args" ] || args="run --frames 4"
  want_exit=$(sed -n 's/^.*# exit: *\([0-9]*\).*/\1/p' "$src" | head -n 1)
  if [ -z "$want_exit" ]; then
    if [ -f "$base.err" ]; then want_exit=1; else want_exit=0; fi
  fi
  # shellcheck disable=SC2086
  NO_COLOR=1 "$SJ" $args "$src" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  ok=1
  if [ "$rc" != "$want_exit" ]; then
    echo "FAIL $src: exit $rc, expected $want_exit"; ok=0
  fi
  if [ -f "$base.out" ] && ! cmp -s "$tmp/out" "$base.out"; then
    echo "FAIL $src: stdout differs"; diff "$base.out" "$tmp/out" | head -n 20; ok=0
  fi
  if [ -f "$base.err" ]; then
    if ! cmp -s "$tmp/err" "$base.err"; then
      echo "FAIL $src: stderr differs"; diff "$base.err" "$tmp/err" | head -n 20; ok=0
    fi
  elif [ -s "$tmp/err" ]; then
    echo "FAIL $src: unexpected stderr"; head -n 20 "$tmp/err"; ok=0
  fi
  if [ $ok = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
