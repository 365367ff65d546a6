#!/bin/sh
# JACK tests of `sigjit play` (issue 7), against a real jackd with the dummy backend on a private
# server name. A second JACK client (tests/tools/jack_rec) records sigjit's outputs as raw floats and
# tests/tools/sjanalyze measures them. What is shown:
#   - errors before any audio: no server (exit 3), usage (2), a program with errors (1)
#   - a 1 kHz sine at 0.5: frequency and level of the recording, --seconds stops it (exit 0)
#   - hot reload while recording: (1) no gap: the recording is 0.1, then 0.2, then 0.3 on out_2 and
#     nothing else (no zeros); (2) the phase on out_1 is one ramp with a constant step across every
#     swap; (3) two broken edits (syntax error, unknown node) are reported and the sound stays;
#     (4) nothing allocated, freed, locked or called the system in the process callback during the
#     whole run (tests/tools/librtcheck.so, LD_PRELOAD; with a negative control that must trip it)
#   - in_1 fed by another client (a second sigjit play), in2 fixed with --set
#   - MIDI control changes move alpha/gamma smoothly (no step larger than 1/200 of the jump)
#   - --guard: a program that produces NaN is silenced and reset, the recording has no NaN
#   - --connect, Ctrl-C (exit 0), and the server going away (exit 3, no hang)
#   - the scope: --tscope without a terminal prints min/max lines; on a terminal (a pty from
#     script) it draws braille cells and its keys change the time range and the trigger;
#     --scope OUT.png (with cairo)
# Xruns are reported, not asserted (2 shared cores). Prints "N passed, N failed"; exit 1 on failure.
# Needs jackd (jackd2) and the tools built by mk/jack.mk; skips (0 passed, 0 failed) without them.
O="${O:-build}"
. "$(dirname "$0")/../support/jackd.sh"
jack_require

cat > "$tmp/sine.sj" <<'EOF'
# 1 kHz at 0.5: 48 samples per period at 48 kHz, RMS 0.5/sqrt(2) = 0.353553
&sig1 = sin(phase(1000, 0) * 6.283185307179586) * 0.5
EOF
printf '&sig1 = phse(1, 0)\n' > "$tmp/bad.sj"

# ---- errors before any audio ----
JACK_DEFAULT_SERVER="sjnone$$" "$SJ" play "$tmp/sine.sj" --seconds 1 >/dev/null 2>"$tmp/e1"
rc=$?
[ $rc = 3 ] && grep -q "cannot connect to a JACK server" "$tmp/e1"; check $? "no server: exit 3 with a message (got $rc)"
"$SJ" play >/dev/null 2>&1; rc=$?
[ $rc = 2 ]; check $? "no file: usage error, exit 2 (got $rc)"
"$SJ" play "$tmp/bad.sj" >/dev/null 2>"$tmp/e2"; rc=$?
[ $rc = 1 ] && grep -q "unknown node 'phse'" "$tmp/e2"; check $? "a program with errors: exit 1 with the diagnostic (got $rc)"

# ---- the server ----
start_jackd

# ---- a sine, recorded ----
"$T/jack_rec" -o "$tmp/sine.raw" -p sjt:out_1,sjt:out_2 --until-gone --wait 10 2>"$tmp/rec1.err" &
RPID=$!; PIDS="$PIDS $RPID"
PNG=""
if ldd "$SJ" 2>/dev/null | grep -q libcairo; then PNG="$tmp/scope.png"; fi
"$SJ" play "$tmp/sine.sj" --name sjt --seconds 2 --tscope ${PNG:+--scope "$PNG"} >"$tmp/p1.out" 2>"$tmp/p1.err"; rc=$?
wait_gone $RPID 5; wait $RPID; rrc=$?
[ $rc = 0 ] && grep -q "seconds reached" "$tmp/p1.out"; check $? "sine: --seconds stops it, exit 0 (got $rc)"
[ $rrc = 0 ]; check $? "sine: recorder ran without overruns ($(cat "$tmp/rec1.err"))"
s1=$("$T/sjanalyze" "$tmp/sine.raw" 2 stats 1)
s2=$("$T/sjanalyze" "$tmp/sine.raw" 2 stats 2)
echo "info: out_1: $s1"
n=$(field n "$s1")
[ "${n:-0}" -gt 24000 ]; check $? "sine: at least 0.5 s recorded (n=$n; fewer than 2 s when xruns drop cycles)"
near "$(field rms "$s1")" 0.353553 0.002 && near "$(field max "$s1")" 0.5 0.001; check $? "sine: level 0.5 (rms $(field rms "$s1"))"
near "$(field period "$s1")" 48 0.01; check $? "sine: 1000 Hz (period $(field period "$s1") samples)"
[ "$(field nonfinite "$s1")" = 0 ] && [ "$(field max "$s2")" = 0.000000 ] && [ "$(field min "$s2")" = 0.000000 ]
check $? "sine: out_2 silent, nothing non-finite"
grep -q "scope: sig1 min: -0.500 max:  0.500 rng:  1.000 | sig2 min:  0.000 max:  0.000" "$tmp/p1.out"
check $? "sine: --tscope (no terminal) prints the scope's min/max once a second"
if [ -n "$PNG" ]; then
  [ -s "$PNG" ] && [ "$(head -c 4 "$PNG" | tail -c 3)" = PNG ]; check $? "sine: --scope OUT.png draws the scope"
fi
echo "info: sine run: $(tail -n 1 "$tmp/p1.out" | sed 's/^.*reached: //')"

# ---- hot reload ----
L="$tmp/live.sj"
cat > "$L" <<'EOF'
# v1: the phase on out_1, 0.1 on out_2
&sig1 = phase(440, 0)
&sig2 = 0.1
EOF
"$T/jack_rec" -o "$tmp/hot.raw" -p sjh:out_1,sjh:out_2 --until-gone --wait 10 2>"$tmp/rec2.err" &
RPID=$!; PIDS="$PIDS $RPID"
rm -f "$tmp/rt.txt"
if [ -n "$RTCHECK" ]; then
  RTCHECK_OUT="$tmp/rt.txt" LD_PRELOAD="$RTCHECK" "$SJ" play "$L" --name sjh --seconds 20 --tscope >"$tmp/p2.out" 2>"$tmp/p2.err" &
else
  "$SJ" play "$L" --name sjh --seconds 20 --tscope >"$tmp/p2.out" 2>"$tmp/p2.err" &
fi
SPID=$!; PIDS="$PIDS $SPID"
wait_for "$tmp/p2.out" "playing" 5
sleep 0.4
# v2 saved the way many editors do: a new file renamed over the old one
cat > "$tmp/new.sj" <<'EOF'
# v2: same phase, 0.2 on out_2
&sig1 = phase(440, 0)
&sig2 = 0.2
EOF
mv "$tmp/new.sj" "$L"
wait_for "$tmp/p2.out" "v2 live" 3; check $? "reload: a save by rename is picked up (v2 live)"
sleep 0.3
# v3 written in place, with a syntax error
cat > "$L" <<'EOF'
# v3: broken
&sig1 = phase(440, 0
&sig2 = 0.5
EOF
wait_for "$tmp/p2.err" "still playing v2" 3; check $? "reload: a syntax error is reported, v2 keeps playing"
sleep 0.3
cat > "$L" <<'EOF'
# v4: unknown node
&sig1 = phase(440, 0)
&sig2 = phse(1, 0)
EOF
i=0; while [ "$(grep -c 'still playing v2' "$tmp/p2.err")" -lt 2 ] && [ $i -lt 60 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.3
cat > "$L" <<'EOF'
# v5: fixed, 0.3 on out_2, and new state (a persistent variable and a filter)
*n = *n + 1
&sig1 = phase(440, 0)
&sig2 = 0.3 + lp1(0, 100)
EOF
wait_for "$tmp/p2.out" "v3 live" 3; check $? "reload: the fixed version is swapped in (v3 live)"
sleep 0.3
kill -INT $SPID
wait_gone $SPID 5; wait $SPID; rc=$?
wait_gone $RPID 5; wait $RPID; rrc=$?
echo "--- sigjit play output:"; cat "$tmp/p2.out" "$tmp/p2.err"; echo "---"
[ $rc = 0 ]; check $? "reload: Ctrl-C stops it, exit 0 (got $rc)"
[ $rrc = 0 ]; check $? "reload: recorder ran without overruns ($(cat "$tmp/rec2.err"))"
grep -q "live.sj:2:14: error: '(' is never closed" "$tmp/p2.err" && grep -q "unknown node 'phse'" "$tmp/p2.err" &&
  [ "$(grep -c 'still playing v2' "$tmp/p2.err")" = 2 ]
check $? "reload: both broken versions reported with their positions, v2 kept each time"
grep "v2 live" "$tmp/p2.out" | grep -q "kept 1 (phase 2:9), new 0, dropped 0" &&
  grep "v3 live" "$tmp/p2.out" | grep -q "kept 1 (phase 3:9), new 2 (\*n, lp1 4:15), dropped 0"
check $? "reload: the status lines say which state was kept and which is new"
lv=$("$T/sjanalyze" "$tmp/hot.raw" 2 levels 2)
echo "info: out_2 runs: $lv"
echo "$lv" | grep -Eq '^n=[0-9]+ levels=0\.100000x[0-9]+,0\.200000x[0-9]+,0\.300000x[0-9]+$'
check $? "reload (1): out_2 is 0.1, then 0.2, then 0.3, with no gap and nothing from the broken edits"
rp=$("$T/sjanalyze" "$tmp/hot.raw" 2 ramp 1 0.009166666666666667 256 2)
echo "info: out_1 phase ramp: $rp"
xr=$(($(xruns_of "$tmp/p2.out") + $(xruns_of "$tmp/rec2.err")))
[ "$(field marks "$rp")" = 2 ] && near "$(field at_marks "$rp")" 0 0.00001
check $? "reload (2): the phase continues across both swaps (step error $(field at_marks "$rp") there)"
[ "$(field unexplained "$rp")" = 0 ] && { [ "$(field jumps "$rp")" = 0 ] || [ $xr -gt 0 ]; }
check $? "reload (2): the phase ramp is continuous elsewhere (jumps $(field jumps "$rp"), all whole periods lost to $xr xruns)"
if [ -n "$RTCHECK" ]; then
  rt=$(cat "$tmp/rt.txt" 2>/dev/null)
  echo "info: $rt"
  cb=$(field callbacks "$rt")
  [ "$(field callback_calls "$rt")" = 0 ] && [ "${cb:-0}" -gt 100 ]
  check $? "reload (4): no allocation, free, lock or system call in $cb process callbacks (scope fed too)"
  LD_PRELOAD="$RTCHECK" "$T/jack_rec" -o /dev/null -p system:capture_1 --seconds 0.2 --malloc-in-process 2>"$tmp/neg.err"
  grep -q "rtcheck: callbacks=[1-9][0-9]* callback_calls=[1-9]" "$tmp/neg.err"
  check $? "reload (4): negative control: the shim sees a malloc in a process callback"
else
  echo "skip: rtcheck (AddressSanitizer build)"
fi
echo "info: reload run: $(tail -n 1 "$tmp/p2.out" | sed 's/^.*interrupted: //')"

# ---- inputs: one sigjit feeds another (in_1 from a port, in2 from --set) ----
printf '&sig1 = in1 * 0.5\n&sig2 = in2\n' > "$tmp/fx.sj"
"$SJ" play "$tmp/sine.sj" --name sja >"$tmp/pa.out" 2>&1 &
APID=$!; PIDS="$PIDS $APID"
"$SJ" play "$tmp/fx.sj" --name sjb --set in2=0.25 >"$tmp/pb.out" 2>&1 &
BPID=$!; PIDS="$PIDS $BPID"
wait_for "$tmp/pa.out" "playing" 5 && wait_for "$tmp/pb.out" "playing" 5 && jack_connect sja:out_1 sjb:in_1 >/dev/null 2>&1
crc=$?
"$T/jack_rec" -o "$tmp/fx.raw" -p sjb:out_1,sjb:out_2 --seconds 1 --wait 5 2>"$tmp/rec6.err"
kill -INT $APID $BPID
wait_gone $APID 3; wait_gone $BPID 3; wait $APID; arc=$?; wait $BPID; brc=$?
fx=$("$T/sjanalyze" "$tmp/fx.raw" 2 stats 1)
lv=$("$T/sjanalyze" "$tmp/fx.raw" 2 levels 2)
echo "info: in_1 * 0.5: $fx"
[ $crc = 0 ] && [ $arc = 0 ] && [ $brc = 0 ] && near "$(field rms "$fx")" 0.176777 0.002 && near "$(field period "$fx")" 48 0.01
check $? "inputs: in_1 carries another client's 1 kHz sine (rms $(field rms "$fx"), half of 0.353553)"
echo "$lv" | grep -Eq '^n=[0-9]+ levels=0\.250000x[0-9]+$'; check $? "inputs: --set in2=0.25 replaces the in_2 port by a constant"

# ---- MIDI control changes, smoothed ----
printf '&sig1 = alpha\n&sig2 = 0.1 + gamma\n' > "$tmp/cc.sj"
"$T/jack_rec" -o "$tmp/cc.raw" -p sjm:out_1,sjm:out_2 --midi-to sjm:midi_in --cc 1=127@0.2 --cc 4=64@0.3 \
  --until-gone --wait 10 2>"$tmp/rec3.err" &
RPID=$!; PIDS="$PIDS $RPID"
"$SJ" play "$tmp/cc.sj" --name sjm --seconds 1 --cc gamma=4:0:2 >"$tmp/p3.out" 2>"$tmp/p3.err"; rc=$?
wait_gone $RPID 5; wait $RPID; rrc=$?
a=$("$T/sjanalyze" "$tmp/cc.raw" 2 steps 1)
g=$("$T/sjanalyze" "$tmp/cc.raw" 2 steps 2)
echo "info: alpha: $a"; echo "info: gamma: $g"
[ $rc = 0 ] && [ $rrc = 0 ] && grep -q "MIDI controls 2" "$tmp/p3.out"; check $? "midi: two control changes taken"
near "$(field last "$a")" 1 0.001 && near "$(field last "$g")" 1.107874 0.001
check $? "midi: CC 1 = 127 gives alpha 1; CC 4 = 64 gives gamma 64/127*2 (--cc gamma=4:0:2)"
xr=$(($(xruns_of "$tmp/p3.out") + $(xruns_of "$tmp/rec3.err")))
r=$(field rise "$a")
[ "${r:-0}" -gt 700 ] && [ "${r:-0}" -lt 1500 ] && { near "$(field maxstep "$a")" 0 0.005 || [ $xr -gt 0 ]; }
check $? "midi: smoothed: 10-90% rise in $r samples (2.2 x 10 ms = 1055), largest step $(field maxstep "$a") ($xr xruns)"

# ---- the guard ----
cat > "$tmp/nan.sj" <<'EOF'
# NaN after 0.25 s; the guard silences the block and resets *n, so it starts over
*n = *n + 1
&sig1 = if *n > 12000 { 0 / 0 } else { 0.5 }
&sig2 = 0.25
EOF
"$T/jack_rec" -o "$tmp/nan.raw" -p sjg:out_1,sjg:out_2 --until-gone --wait 10 2>"$tmp/rec4.err" &
RPID=$!; PIDS="$PIDS $RPID"
"$SJ" play "$tmp/nan.sj" --name sjg --guard --seconds 1.2 >"$tmp/p4.out" 2>"$tmp/p4.err"; rc=$?
wait_gone $RPID 5; wait $RPID; rrc=$?
st=$("$T/sjanalyze" "$tmp/nan.raw" 2 stats 1)
lv=$("$T/sjanalyze" "$tmp/nan.raw" 2 levels 1)
echo "info: guarded out_1: $st"
[ $rc = 0 ] && grep -q "guard: NaN/Inf in the output: silenced, state reset" "$tmp/p4.err" &&
  grep -Eq "guard trips [1-9]" "$tmp/p4.out"
check $? "guard: NaN output is reported and counted"
[ $rrc = 0 ] && [ "$(field nonfinite "$st")" = 0 ] && echo "$lv" | grep -q "0.500000x[0-9]*,0.000000x[0-9]*,0.500000x"
check $? "guard: no NaN reaches JACK; silence, then the reset program plays again"

# ---- --connect, SIGUSR1 (reset), Ctrl-C ----
printf '*n = *n + 1\n&sig1 = *n / 48000\n&sig2 = 0.5\n' > "$tmp/count.sj"
"$T/jack_rec" -o "$tmp/count.raw" -p sjc:out_1,sjc:out_2 --until-gone --wait 10 2>"$tmp/rec5.err" &
RPID=$!; PIDS="$PIDS $RPID"
"$SJ" play "$tmp/count.sj" --name sjc --connect >"$tmp/p5.out" 2>"$tmp/p5.err" &
SPID=$!; PIDS="$PIDS $SPID"
wait_for "$tmp/p5.out" "playing" 5
sleep 0.6
jack_lsp -c sjc:out_1 2>/dev/null | grep -q "system:playback_1" && jack_lsp -c sjc:out_2 2>/dev/null | grep -q "system:playback_2"
check $? "--connect: out_1/out_2 go to system:playback_1/2"
kill -USR1 $SPID
wait_for "$tmp/p5.out" "SIGUSR1: state reset" 3
sleep 0.3
kill -INT $SPID
wait_gone $SPID 3; g=$?; wait $SPID; rc=$?
wait_gone $RPID 5; wait $RPID
[ $g = 0 ] && [ $rc = 0 ] && grep -q "interrupted" "$tmp/p5.out"; check $? "Ctrl-C: exit 0 within 3 s (got $rc)"
st=$("$T/sjanalyze" "$tmp/count.raw" 2 steps 1)
echo "info: counter: $st"
near "$(field maxstep "$st")" 1.15 0.85; check $? "SIGUSR1: the state is reset (*n drops from 0.3..2 s worth to 0: $(field maxstep "$st"))"

# ---- the terminal scope on a terminal: braille cells and keys (script gives it a pty) ----
if command -v script >/dev/null 2>&1; then
  rm -f "$tmp/keys"; mkfifo "$tmp/keys"
  (sleep 1.5; printf '+'; sleep 1; printf 't'; sleep 1.5) >"$tmp/keys" &
  KPID=$!; PIDS="$PIDS $KPID"
  script -qfec "stty cols 100 rows 30; '$SJ' play '$tmp/sine.sj' --name sjk --seconds 4 --tscope --scope-signals sig1" \
    "$tmp/tty.txt" <"$tmp/keys" >/dev/null 2>&1
  wait $KPID
  grep -aq "20 ms, trigger off" "$tmp/tty.txt" && grep -aq "40 ms, trigger off" "$tmp/tty.txt" &&
    grep -aq "40 ms, trigger sig 1" "$tmp/tty.txt"
  check $? "tscope: '+' doubles the time range (20 -> 40 ms), 't' switches the trigger to signal 1"
  # Braille cells (U+2800..U+28FF, UTF-8 E2 A0..A3 xx), e.g. the zero line U+2809 or a full-bottom U+28C0.
  [ "$(grep -ac "$(printf '\342\240\211')\|$(printf '\342\243\200')" "$tmp/tty.txt")" -gt 0 ]
  check $? "tscope: the scope is drawn with braille cells"
else
  bad "tscope keys: the script command (util-linux) is missing"
fi

# ---- the server goes away ----
"$SJ" play "$tmp/sine.sj" --name sjx >"$tmp/p6.out" 2>"$tmp/p6.err" &
SPID=$!; PIDS="$PIDS $SPID"
wait_for "$tmp/p6.out" "playing" 5
kill -TERM $JPID
wait_gone $SPID 5; g=$?; wait $SPID; rc=$?
stop_jackd
[ $g = 0 ] && [ $rc = 3 ] && grep -q "the JACK server went away" "$tmp/p6.err"
check $? "server gone: an error message, exit 3, no hang (got $rc)"

echo "$passed passed, $failed failed"
[ $failed = 0 ]
