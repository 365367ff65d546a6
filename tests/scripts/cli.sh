#!/bin/sh
# CLI tests: outputs and exit codes of the sigjit command (docs/cli.md). Uses $O/sigjit (O=build).
# Prints one "N passed, N failed" line; exits non-zero if anything failed.
O="${O:-build}"
SJ="$O/sigjit"
passed=0; failed=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export NO_COLOR=1

# expect NAME WANT_EXIT COMMAND...: runs the command, checks the exit status; stdout in $tmp/out,
# stderr in $tmp/err for the checks that follow.
expect() {
  name=$1; want=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ "$rc" = "$want" ]; then passed=$((passed + 1)); return 0; fi
  echo "FAIL $name: exit $rc, expected $want"; head -n 10 "$tmp/err"; failed=$((failed + 1)); return 1
}
# check NAME CONDITION...: a shell condition on the last outputs.
check() {
  name=$1; shift
  if "$@"; then passed=$((passed + 1)); else echo "FAIL $name"; head -n 10 "$tmp/out" "$tmp/err"; failed=$((failed + 1)); fi
}
has_out() { grep -q -- "$1" "$tmp/out"; }
has_err() { grep -q -- "$1" "$tmp/err"; }
no_err() { [ ! -s "$tmp/err" ]; }

# Help, version, usage errors (exit 2).
expect version 0 "$SJ" --version; check version-text has_out "^sigjit [0-9]"
expect help 0 "$SJ" --help; check help-text has_out "^usage: sigjit COMMAND"
expect no-args 2 "$SJ"
expect unknown-command 2 "$SJ" frobnicate; check unknown-command-msg has_err "unknown command 'frobnicate'"
for c in render run check fmt dump nodes blocks export plot; do
  expect "help-$c" 0 "$SJ" "$c" --help; check "help-$c-text" has_out "^usage: sigjit $c"
done
expect help-sub 0 "$SJ" help run; check help-sub-text has_out "^usage: sigjit run"
expect run-no-frames 2 "$SJ" run examples/reference.sj
expect run-bad-option 2 "$SJ" run examples/reference.sj --frames 1 --bogus
expect run-bad-set 2 "$SJ" run examples/reference.sj --frames 1 --set omega=1
expect run-bad-number 2 "$SJ" run examples/reference.sj --frames x
expect dump-no-kind 2 "$SJ" dump examples/demo.sj

# I/O errors (exit 3).
expect run-missing 3 "$SJ" run "$tmp/missing.sj" --frames 1; check run-missing-msg has_err "cannot read"
expect check-missing 3 "$SJ" check "$tmp/missing.sj"

# Program errors (exit 1) with file:line:col, the source line and a caret.
printf 'x = 1\ny = phse(440, 0)\n' > "$tmp/bad.sj"
expect run-bad 1 "$SJ" run "$tmp/bad.sj" --frames 1
check run-bad-pos has_err "bad.sj:2:5: error: unknown node 'phse'"
check run-bad-caret has_err '^   |     ^~~~$'
check run-bad-hint has_err "did you mean 'phase'?"
check run-bad-no-output [ ! -s "$tmp/out" ]
expect check-bad 1 "$SJ" check "$tmp/bad.sj"
printf 'x = buf[16][0]\n' > "$tmp/compile.sj"
expect compile-error 1 "$SJ" check "$tmp/compile.sj"; check compile-error-pos has_err "compile.sj:1:5: error: unknown buffer 16"

# check: ok files, warnings, --werror.
expect check-examples 0 "$SJ" check examples/demo.sj examples/oscillators.sj examples/filter.sj \
  examples/delay.sj examples/effect.sj examples/reference.sj
check check-examples-ok has_out "examples/demo.sj: ok"
check check-examples-clean no_err
printf '&sig1 = nope\n' > "$tmp/warn.sj"
expect check-warn 0 "$SJ" check "$tmp/warn.sj"; check check-warn-msg has_err "warning: 'nope' is never assigned; it reads as 0.0"
expect check-werror 1 "$SJ" check --werror "$tmp/warn.sj"

# run: CSV lines ret,sig1,sig2 with %.17g. phase(11025) at 44100: 0, 0.25, 0.5 (reference §3.2).
printf '&sig1 = phase(11025, 0)\n&sig2 = in1 + alpha\n0.1\n' > "$tmp/p.sj"
expect run-csv 0 "$SJ" run "$tmp/p.sj" --frames 3 --in1 1 --set alpha=0.5
printf '0.10000000000000001,0,1.5\n0.10000000000000001,0.25,1.5\n0.10000000000000001,0.5,1.5\n' > "$tmp/want"
check run-csv-values cmp -s "$tmp/out" "$tmp/want"
expect run-header 0 "$SJ" run "$tmp/p.sj" --frames 1 --header; check run-header-line has_out "^ret,sig1,sig2$"
printf '*n = *n + 1\n' > "$tmp/pv.sj"
expect run-set-pv 0 "$SJ" run "$tmp/pv.sj" --frames 2 --set '*n=10'
printf '11,0,0\n12,0,0\n' > "$tmp/want"; check run-set-pv-values cmp -s "$tmp/out" "$tmp/want"
expect run-interp 0 "$SJ" run "$tmp/p.sj" --frames 3 --backend interp
cp "$tmp/out" "$tmp/interp.out"
expect run-native 0 "$SJ" run "$tmp/p.sj" --frames 3 --backend native
check run-backends-agree cmp -s "$tmp/out" "$tmp/interp.out"
expect run-stdin 0 sh -c "echo '1 + 2' | '$SJ' run - --frames 1"; check run-stdin-value has_out "^3,0,0$"

# Block files (JSON) work where text files do.
expect run-blocks 0 "$SJ" run examples/blocks_sig.json --frames 1
check run-blocks-value has_out "^-1.3,0.29999999999999999,-0.29999999999999999$"
expect check-blocks 0 "$SJ" check examples/blocks_sine.json
expect dump-blocks-text 0 "$SJ" dump --text examples/blocks_sig.json; check dump-blocks-text-out has_out "&sig1 = 0.3"
expect blocks-show 0 "$SJ" blocks show examples/blocks_sig.json; check blocks-show-out has_out "set &sig1"
# blocks layout: a text program as blocks; the block file runs like the text (same CSV).
printf '&sig1 = accum(0.25, 0) * 2\n&sig2 = sin(in1 + 1)\n' > "$tmp/lay.sj"
expect blocks-layout 0 "$SJ" blocks layout "$tmp/lay.sj"; check blocks-layout-out has_out "accum"
expect blocks-layout-json 0 "$SJ" blocks layout "$tmp/lay.sj" -o "$tmp/lay.json"
expect blocks-layout-run-text 0 "$SJ" run "$tmp/lay.sj" --frames 4 --in1 0.5; cp "$tmp/out" "$tmp/lay-text.csv"
expect blocks-layout-run-json 0 "$SJ" run "$tmp/lay.json" --frames 4 --in1 0.5
check blocks-layout-same cmp -s "$tmp/out" "$tmp/lay-text.csv"
# A comparison is a block of its node (lt) and runs like the operator, also as an if condition.
printf '&sig1 = in1 < 0.5\n&sig2 = if in1 >= 0.25 { 1 } else { 2 }\n' > "$tmp/cmp.sj"
expect blocks-layout-cmp 0 "$SJ" blocks layout "$tmp/cmp.sj" -o "$tmp/cmp.json"
expect blocks-layout-cmp-text 0 "$SJ" run "$tmp/cmp.sj" --frames 1 --in1 0.1; cp "$tmp/out" "$tmp/cmp-text.csv"
check blocks-layout-cmp-values has_out "^2,1,2$"  # the value, &sig1, &sig2
expect blocks-layout-cmp-json 0 "$SJ" run "$tmp/cmp.json" --frames 1 --in1 0.1
check blocks-layout-cmp-same cmp -s "$tmp/out" "$tmp/cmp-text.csv"
# Buffers cannot be drawn: exit 1, with the position of the declaration.
printf 'x = 1\ndecl buf[0] = 16\n' > "$tmp/buf.sj"
expect blocks-layout-unsupported 1 "$SJ" blocks layout "$tmp/buf.sj"; check blocks-layout-pos has_err "buf.sj:2:1: error: buffer declaration"

# Three views of one AST: a block file's text form (dump --text) runs exactly like the block file.
for f in examples/blocks_*.json; do
  expect "blocks-as-text-$f" 0 "$SJ" dump --text "$f"
  cp "$tmp/out" "$tmp/bt.sj"
  expect "blocks-run-$f" 0 "$SJ" run "$f" --frames 8 --in1 0.7
  cp "$tmp/out" "$tmp/bt.want"
  expect "blocks-text-run-$f" 0 "$SJ" run "$tmp/bt.sj" --frames 8 --in1 0.7
  check "blocks-text-same-$f" cmp -s "$tmp/out" "$tmp/bt.want"
done

# fmt: canonical output, idempotent, --check, -i.
for f in examples/*.sj; do
  expect "fmt-$f" 0 "$SJ" fmt "$f"
  cp "$tmp/out" "$tmp/f1.sj"
  expect "fmt-again-$f" 0 "$SJ" fmt "$tmp/f1.sj"
  check "fmt-idempotent-$f" cmp -s "$tmp/out" "$tmp/f1.sj"
  expect "fmt-check-$f" 0 "$SJ" fmt --check "$f"
done
printf 'x=1+2 # c\n' > "$tmp/u.sj"
expect fmt-check-unformatted 1 "$SJ" fmt --check "$tmp/u.sj"
expect fmt-inplace 0 "$SJ" fmt -i "$tmp/u.sj"
check fmt-inplace-result grep -qx 'x = 1 + 2  # c' "$tmp/u.sj"
printf 'x = (1\n' > "$tmp/syn.sj"
expect fmt-syntax-error 1 "$SJ" fmt "$tmp/syn.sj"; check fmt-syntax-error-msg has_err "syn.sj:1:5: error"

# dump.
printf 'x = 1 + 2\n' > "$tmp/d.sj"
expect dump-ast 0 "$SJ" dump --ast "$tmp/d.sj"
printf '   assign:x\n      binop:Add\n         lit:1.0000\n         lit:2.0000\n' > "$tmp/want"
check dump-ast-format cmp -s "$tmp/out" "$tmp/want"
expect dump-text 0 "$SJ" dump --text "$tmp/d.sj"; check dump-text-out has_out "^x = 1 + 2$"
expect dump-ir 0 "$SJ" dump --ir examples/demo.sj; check dump-ir-out [ -s "$tmp/out" ]
expect dump-ir-raw 0 "$SJ" dump --ir-raw examples/demo.sj
if "$SJ" run "$tmp/d.sj" --frames 1 --backend native >/dev/null 2>&1; then
  expect dump-asm 0 "$SJ" dump --asm examples/demo.sj; check dump-asm-out [ -s "$tmp/out" ]
fi

# nodes.
expect nodes 0 "$SJ" nodes; check nodes-list has_out "^phase(freq, reset) "; check nodes-list-ref has_out "^/%(a, b) "
expect nodes-one 0 "$SJ" nodes 's&h'; check nodes-one-doc has_out "Sample and hold"
expect nodes-unknown 1 "$SJ" nodes phse; check nodes-unknown-hint has_err "unknown node 'phse'"
expect nodes-md 0 "$SJ" nodes --markdown; check nodes-md-title has_out "^# Node reference$"
check nodes-md-all [ "$(grep -c '^## `' "$tmp/out")" -ge 9 ]

# render (the samples are checked in tests/test_lang_render.c): the README command works, and
# no progress bar when stderr is not a terminal.
expect render-demo 0 "$SJ" render examples/demo.sj -o "$tmp/demo.wav" --seconds 2
check render-demo-file [ -s "$tmp/demo.wav" ]
check render-demo-silent no_err
expect render-effect 0 "$SJ" render examples/effect.sj --input "$tmp/demo.wav" -o "$tmp/fx.flac" --frames 4410
check render-effect-file [ -s "$tmp/fx.flac" ]
# Every example renders: a second of it, with no warning (NaN, clipping), and it is not silent
# (ret, sig1 or sig2 above 0.01 within the second). effect.sj is an effect: rendered above, on demo.
for f in examples/*.sj examples/*.json; do
  case $f in *effect.sj) continue ;; esac
  n=$(basename "$f")
  expect "example-render-$n" 0 "$SJ" render "$f" -o "$tmp/ex.wav" --seconds 1; check "example-clean-$n" no_err
  expect "example-run-$n" 0 "$SJ" run "$f" --frames 44100
  check "example-not-silent-$n" awk -F, '{ for (i = 1; i <= 3; i++) { v = $i < 0 ? -$i : $i; if (v > m) m = v } }
    END { exit !(m > 0.01) }' "$tmp/out"
done
expect render-bad-ext 2 "$SJ" render examples/demo.sj -o "$tmp/x.xyz" --frames 1
expect render-both-lengths 2 "$SJ" render examples/demo.sj -o "$tmp/x.wav" --frames 1 --seconds 1

# export: a standalone C file that a C compiler accepts (its numbers: tests/test_diff_export.c).
expect export 0 "$SJ" export examples/filter.sj -o "$tmp/filter.c" --prefix flt
check export-api grep -q "void flt_process(flt_state \*restrict s" "$tmp/filter.c"
check export-compiles cc -std=c11 -Wall -c "$tmp/filter.c" -o "$tmp/filter.o"
expect export-stdout 0 "$SJ" export examples/reference.sj; check export-stdout-text has_out "sjx_init"
expect export-bad-prefix 2 "$SJ" export examples/filter.sj --prefix 9x
expect export-missing 3 "$SJ" export "$tmp/nope.sj"
printf 'x = nosuch(1)\n&sig1 = x\n' > "$tmp/bad.sj"
expect export-bad-program 1 "$SJ" export "$tmp/bad.sj"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
