#!/bin/sh
# The studio's JACK output (`sigjit studio --jack`, docs/studio.md "Audio through JACK"), end to end:
# headless Chromium (playwright-core) drives the real studio while a private jackd (dummy backend,
# 48000 Hz, 256 frames) runs; studio/test/jack/jack.test.mjs records sigjit's ports with
# tests/tools/jack_rec and measures them with tests/tools/sjanalyze: level and frequency of a known
# patch, sliders, MIDI control changes and the in_1 port reaching the sound, scope frames while JACK
# plays, edits swapped with the phase kept, one output at a time, the server going away, no server,
# and the real-time check of the process callback (tests/tools/librtcheck.so; its negative control
# is in jack.sh).
# Skips (0 passed, 0 failed) as jack.sh does: without jackd, the JACK tools or a sigjit with JACK.
# Without the studio's test tools (civetweb, node, studio/node_modules, Chromium) it fails, as
# studio.sh does. Prints "N passed, N failed".
O="${O:-build}"
cd "$(dirname "$0")/../.." || exit 1
. tests/support/jackd.sh
jack_require
grep -q "built without the studio" "$SJ" && { bad "$SJ was built without civetweb"; echo "$passed passed, $failed failed"; exit 1; }
command -v node >/dev/null 2>&1 && [ -d studio/node_modules/playwright-core ] && [ -x "${CHROMIUM:-/usr/bin/chromium}" ] ||
  { bad "node, studio/node_modules (cd studio && npm ci) or Chromium missing"; echo "$passed passed, $failed failed"; exit 1; }

# ---- no server: --jack still serves, and says why JACK cannot play ----
JACK_DEFAULT_SERVER="sjnone$$" "$SJ" studio --jack --port 0 --no-browser --quiet --token e2etoken0123456789abcdef \
  >"$tmp/s0.out" 2>"$tmp/s0.err" &
S0=$!; PIDS="$PIDS $S0"
wait_for "$tmp/s0.out" "http://127.0.0.1" 5 && grep -q "JACK output offered as client 'sigjit'" "$tmp/s0.err"
check $? "--jack without a JACK server: the studio starts and offers the JACK output"
kill -TERM $S0; wait_gone $S0 8; wait $S0; rc=$?
[ $rc = 0 ]; check $? "--jack without a JACK server: SIGTERM stops it, exit 0 (got $rc)"
"$SJ" studio --connect >/dev/null 2>"$tmp/u.err"; rc=$?
[ $rc = 2 ] && grep -q "add --jack" "$tmp/u.err"; check $? "--connect without --jack: usage error, exit 2 (got $rc)"

# ---- the page, with a server ----
start_jackd
case $O in /*) bin=$O/sigjit; tools=$T ;; *) bin=$PWD/$O/sigjit; tools=$PWD/$T ;; esac
case $RTCHECK in ""|/*) rt=$RTCHECK ;; *) rt=$PWD/$RTCHECK ;; esac
[ -n "$RTCHECK" ] || echo "skip: rtcheck (AddressSanitizer build)"
SIGJIT="$bin" JACK_TOOLS="$tools" JACKD_PID=$JPID RTCHECK="$rt" timeout 240 node --test --test-concurrency=1 studio/test/jack/ \
  >"$tmp/e2e.log" 2>&1
rc=$?
grep '^# [^ps]\|^# \\#\|^# #' "$tmp/e2e.log" | sed 's/^# \\# /  /; s/^# # /  /' | grep -v '^# \(tests\|suites\|cancelled\|skipped\|todo\|duration_ms\)'
grep '^ok \|^not ok ' "$tmp/e2e.log" | sed 's/^/  /'
p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tmp/e2e.log" | tail -n 1)
f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tmp/e2e.log" | tail -n 1)
passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
if [ $rc != 0 ]; then
  [ "${f:-0}" = 0 ] && failed=$((failed + 1))
  echo "FAIL the JACK end-to-end tests (exit $rc)"
  grep -v '^    at \|^  stack\|node:internal' "$tmp/e2e.log" | grep -A14 '^not ok\|Error' | head -80
fi
echo "$passed passed, $failed failed"
[ $failed = 0 ]
