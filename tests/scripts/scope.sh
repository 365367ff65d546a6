#!/bin/sh
# CLI tests of the scope pictures: sigjit plot and sigjit render --scope write PNG files of the
# asked size (read from the PNG header), and bad options are usage errors (exit 2).
# The pixels themselves are checked in tests/test_scope_png.c.
# Prints one "N passed, N failed" line; exits non-zero if anything failed.
O="${O:-build}"
SJ="$O/sigjit"
passed=0; failed=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

ok() { passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

# png_size FILE -> "WxH" from the IHDR chunk (bytes 16..23, big-endian).
png_size() {
  set -- $(od -An -tu1 -j16 -N8 "$1")
  [ $# = 8 ] || { echo "?"; return; }
  echo "$(( ($1 << 24) | ($2 << 16) | ($3 << 8) | $4 ))x$(( ($5 << 24) | ($6 << 16) | ($7 << 8) | $8 ))"
}
is_png() { [ "$(od -An -c -j1 -N3 "$1" 2>/dev/null | tr -d ' ')" = "PNG" ]; }

cat >"$tmp/sine.sj" <<'EOF'
p = phase(110, 0)
&sig1 = sin(p * 6.283185307179586) * 0.8
&sig2 = p - 0.5
*p = p
EOF

# plot: default size 960x360
if "$SJ" plot "$tmp/sine.sj" -o "$tmp/plot.png" --seconds 0.2 >"$tmp/out" 2>"$tmp/err" && is_png "$tmp/plot.png" &&
   [ "$(png_size "$tmp/plot.png")" = 960x360 ] && [ ! -s "$tmp/err" ]; then ok; else bad "plot default"; cat "$tmp/err"; fi

# plot: size, signals with a persistent variable and ret, range, frames
if "$SJ" plot "$tmp/sine.sj" -o "$tmp/plot2.png" --frames 100 --size 400x200 --signals 'sig1,ret,*p' --range -2:2 \
     2>"$tmp/err" && [ "$(png_size "$tmp/plot2.png")" = 400x200 ]; then ok; else bad "plot options"; cat "$tmp/err"; fi

# render --scope: size 960x400 by default, with a trigger
if "$SJ" render "$tmp/sine.sj" -o "$tmp/out.wav" --seconds 0.5 --scope "$tmp/scope.png" --scope-time 20 \
     --scope-trigger sig1 --scope-threshold 0.1 2>"$tmp/err" && is_png "$tmp/scope.png" &&
   [ "$(png_size "$tmp/scope.png")" = 960x400 ] && [ -s "$tmp/out.wav" ]; then ok; else bad "render --scope"; cat "$tmp/err"; fi

# render --scope with an external trigger on a persistent variable and three signals
if "$SJ" render "$tmp/sine.sj" -o "$tmp/out.wav" --seconds 0.3 --scope "$tmp/scope2.png" --scope-time 300000 \
     --scope-trigger 'ext:*p' --scope-signals 'sig1,sig2,*p' --scope-size 640x300 2>"$tmp/err" &&
   [ "$(png_size "$tmp/scope2.png")" = 640x300 ]; then ok; else bad "render --scope ext"; cat "$tmp/err"; fi

# render --scope without -o: only the picture, no audio file
if "$SJ" render "$tmp/sine.sj" --seconds 0.2 --scope "$tmp/only.png" --scope-time 20 2>"$tmp/err" &&
   [ "$(png_size "$tmp/only.png")" = 960x400 ] && [ -z "$(ls "$tmp"/*.wav 2>/dev/null | grep -v out.wav)" ]; then ok
else bad "render --scope without -o"; cat "$tmp/err"; fi

# usage errors
expect_usage() {
  name=$1; shift
  "$SJ" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ $rc = 2 ] && [ -s "$tmp/err" ]; then ok; else bad "$name (exit $rc)"; fi
}
expect_usage "plot without -o" plot "$tmp/sine.sj"
expect_usage "render without -o or --scope" render "$tmp/sine.sj"
expect_usage "plot bad signal" plot "$tmp/sine.sj" -o "$tmp/x.png" --signals sig3
expect_usage "plot four signals" plot "$tmp/sine.sj" -o "$tmp/x.png" --signals sig1,sig2,ret,in1
expect_usage "plot bad range" plot "$tmp/sine.sj" -o "$tmp/x.png" --range 1:-1
expect_usage "plot bad size" plot "$tmp/sine.sj" -o "$tmp/x.png" --size 10x10
expect_usage "render bad trigger" render "$tmp/sine.sj" -o "$tmp/x.wav" --scope "$tmp/x.png" --scope-trigger up
expect_usage "render bad ext" render "$tmp/sine.sj" -o "$tmp/x.wav" --scope "$tmp/x.png" --scope-trigger ext:nope
expect_usage "render bad time" render "$tmp/sine.sj" -o "$tmp/x.wav" --scope "$tmp/x.png" --scope-time 0.01
expect_usage "render scope value" render "$tmp/sine.sj" -o "$tmp/x.wav" --scope

# an unwritable picture is an I/O error (3)
"$SJ" plot "$tmp/sine.sj" -o "$tmp/no/such/dir.png" --seconds 0.01 >/dev/null 2>&1
rc=$?; if [ $rc = 3 ]; then ok; else bad "plot unwritable (exit $rc)"; fi

# help texts
if "$SJ" plot --help | grep -q -- "--signals" && "$SJ" render --help | grep -q -- "--scope-trigger" &&
   "$SJ" --help | grep -q "plot FILE"; then ok; else bad "help"; fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
