# Shared by the JACK test scripts (tests/scripts/jack.sh, tests/scripts/studio_jack.sh); sourced,
# not run. Set O first. It gives:
#   - SJ (the sigjit command), T (the JACK test tools), tmp (a scratch folder, removed at exit), PIDS
#     (processes killed at exit), and the counters: ok, bad, check, skip_all
#   - jack_require: skips the script ("0 passed, 0 failed", exit 0) without jackd, without the
#     tools, or with a sigjit built without JACK
#   - start_jackd: a private `jackd --no-realtime -d dummy -r 48000 -p 256` (JPID) under the server
#     name JACK_DEFAULT_SERVER (exported, unique to this run); stop_jackd stops it and reclaims its
#     registry slot if it did not exit cleanly
#   - wait_for, wait_gone, xruns_of, field, near; RTCHECK (the LD_PRELOAD shim, empty under ASan)
SJ="$O/sigjit"
T="$O/tests/tools"
passed=0; failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else bad "$2"; fi; }
skip_all() { echo "skip: $1"; echo "0 passed, 0 failed"; exit 0; }

jack_require() {
  command -v jackd >/dev/null 2>&1 && command -v jack_lsp >/dev/null 2>&1 || skip_all "jackd is not installed"
  [ -x "$T/jack_rec" ] && [ -x "$T/sjanalyze" ] && [ -f "$T/librtcheck.so" ] || skip_all "JACK test tools not built"
  [ -x "$SJ" ] || skip_all "$SJ not built"
  "$SJ" play /dev/null --seconds 0.01 2>&1 | grep -q "built without JACK" && skip_all "sigjit built without JACK"
}

tmp=$(mktemp -d)
PIDS=""
JPID=""
# A jackd that does not exit cleanly (killed, or dead of SIGPIPE) keeps its slot in JACK's shared
# registry (8 slots per machine) until a server of the same name starts again: so start one and
# stop it cleanly, with no clients.
reclaim_slot() {
  jackd --no-realtime -d dummy -r 48000 -p 256 >/dev/null 2>&1 &
  rp=$!; i=0
  while ! jack_lsp >/dev/null 2>&1 && [ $i -lt 100 ] && kill -0 $rp 2>/dev/null; do sleep 0.02; i=$((i + 1)); done
  kill -TERM $rp 2>/dev/null; wait $rp 2>/dev/null
}
# start_jackd: starts the server and waits until it answers (a failure and exit 1 if it does not).
start_jackd() {
  jackd --no-realtime -d dummy -r 48000 -p 256 >"$tmp/jackd.log" 2>&1 &
  JPID=$!
  i=0; while ! jack_lsp >/dev/null 2>&1; do
    sleep 0.02; i=$((i + 1))
    if [ $i -gt 250 ] || ! kill -0 $JPID 2>/dev/null; then
      bad "jackd did not start"; cat "$tmp/jackd.log"; echo "$passed passed, $failed failed"; exit 1
    fi
  done
  echo "info: jackd (dummy, 48000 Hz, 256 frames) ready as $JACK_DEFAULT_SERVER"
}
# stop_jackd: TERM, wait up to 3 s, KILL; reclaims the registry slot if it did not exit with 0.
stop_jackd() {
  [ -n "$JPID" ] || return 0
  kill -TERM "$JPID" 2>/dev/null
  i=0; while kill -0 "$JPID" 2>/dev/null && [ $i -lt 60 ]; do sleep 0.05; i=$((i + 1)); done
  kill -KILL "$JPID" 2>/dev/null
  wait "$JPID" 2>/dev/null; jrc=$?
  JPID=""
  if [ $jrc != 0 ]; then echo "info: jackd exited with $jrc; reclaiming its registry slot"; reclaim_slot; fi
}
cleanup() {
  for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
  stop_jackd
  # semaphores JACK leaves behind for this private server name
  rm -f /dev/shm/jack_sem.*_"$JACK_DEFAULT_SERVER"_* 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

export JACK_NO_AUDIO_RESERVATION=1
export JACK_DEFAULT_SERVER="sjci$$"
export NO_COLOR=1

# wait_for FILE PATTERN SECONDS: polls until grep finds PATTERN in FILE.
wait_for() {
  i=0; n=$(($3 * 20))
  while [ $i -lt $n ]; do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; i=$((i + 1)); done
  return 1
}
# wait_gone PID SECONDS: polls until the process has exited; 1 if it is still running.
wait_gone() {
  i=0; n=$(($2 * 20))
  while kill -0 "$1" 2>/dev/null; do [ $i -ge $n ] && return 1; sleep 0.05; i=$((i + 1)); done
  return 0
}
# xruns_of FILE: the xrun count in sigjit's last status line or jack_rec's report (0 if none).
xruns_of() { v=$(sed -n 's/.*xruns[ =]\([0-9]*\).*/\1/p' "$1" | tail -n 1); echo "${v:-0}"; }
# field KEY LINE: the value of KEY=value in LINE.
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
# near A B TOL: |A - B| <= TOL
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= t) }'; }

# The rtcheck shim cannot run under AddressSanitizer (ASan must own malloc).
# (Under ASan, fontconfig's caches are suppressed by tests/lsan.supp, which tests/run.sh sets.)
RTCHECK="$T/librtcheck.so"
if ldd "$SJ" 2>/dev/null | grep -q libasan; then
  RTCHECK=""
fi
