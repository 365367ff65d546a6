#!/bin/sh
# Runs the test binaries given as arguments, then every tests/scripts/*.sh, and prints one closing
# line "N passed, N failed" summing the test cases of all of them. Exits non-zero if anything failed
# or crashed.
#   cmocka binaries report "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s), ..." (stderr).
#   scripts print their own "N passed, N failed" line.
# VALGRIND=1 runs the binaries under valgrind's leak checker (a leak or error fails the binary).
passed=0; failed=0; status=0
# Sanitizer runs: third-party caches are not our leaks (tests/lsan.supp).
export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
log=$(mktemp); trap 'rm -f "$log"' EXIT
for t in "$@"; do
  if [ "${VALGRIND:-0}" = 1 ]; then
    valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$t" >"$log" 2>&1
  else
    "$t" >"$log" 2>&1
  fi
  rc=$?
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  if [ $rc -ne 0 ]; then
    status=1
    [ -z "$f" ] && failed=$((failed + 1))
    echo "FAIL $t (exit $rc)"; cat "$log"
  else
    echo "ok   $t (${p:-0} tests)"
  fi
done
for s in $(ls tests/scripts/*.sh 2>/dev/null | sort); do
  O="${O:-build}" sh "$s" >"$log" 2>&1
  rc=$?
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p'); f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  if [ $rc -ne 0 ]; then
    status=1; [ -z "$f" ] || [ "$f" = 0 ] && failed=$((failed + 1))
    echo "FAIL $s (exit $rc)"; cat "$log"
  else
    echo "ok   $s (${p:-0} tests)"
  fi
done
echo "$passed passed, $failed failed"
exit $status
