#!/bin/sh
# The studio's tests: the committed front end (studio/dist) against a fresh build of its sources, the
# front end's unit tests (node --test studio/test/unit) and the end-to-end tests (studio/test/e2e: the
# real `sigjit studio` driven in Debian's headless Chromium through playwright-core). Prints "N passed,
# N failed"; exits non-zero on any failure.
# It needs: $O/sigjit built with civetweb, node, studio/node_modules (cd studio && npm ci) and
# /usr/bin/chromium. When one is missing it says which and FAILS: a missing browser must not look
# like a pass.
# STUDIO_SCREENSHOT=docs/images/studio.png also saves the documentation's screenshot.
O=${O:-build}
cd "$(dirname "$0")/../.." || exit 1
missing() {
  echo "studio tests cannot run: $1"
  echo "0 passed, 1 failed"
  exit 1
}
[ -x "$O/sigjit" ] || missing "no $O/sigjit (run make)"
grep -q "built without the studio" "$O/sigjit" && missing "$O/sigjit was built without civetweb (apt-get install libcivetweb-dev, then make)"
command -v node >/dev/null 2>&1 || missing "node is not installed"
[ -d studio/node_modules/playwright-core ] && [ -d studio/node_modules/@codemirror/view ] ||
  missing "studio/node_modules is missing (cd studio && npm ci)"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing "no Chromium at ${CHROMIUM:-/usr/bin/chromium} (apt-get install chromium)"

passed=0; failed=0; status=0
log=$(mktemp); trap 'rm -f "$log"' EXIT
run() { # name, then the command
  name=$1; shift
  "$@" >"$log" 2>&1
  rc=$?
  p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -n 1)
  f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -n 1)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  grep '^# [^ps]\|^# \\#\|^# #' "$log" | sed 's/^# \\# /  /; s/^# # /  /' | grep -v '^# \(tests\|suites\|cancelled\|skipped\|todo\|duration_ms\)' || true
  if [ $rc -ne 0 ]; then
    status=1
    [ "${f:-0}" = 0 ] && failed=$((failed + 1))
    echo "FAIL $name (exit $rc)"
    grep -v '^    at \|^  stack\|node:internal' "$log" | grep -A14 '^not ok\|Error' | head -80
  else
    echo "ok   $name (${p:-0} tests)"
  fi
}
# The committed front end (studio/dist, embedded in sigjit) must be what its sources build to.
distdir=$(mktemp -d)
if (cd studio && node build.mjs "$distdir/dist" >/dev/null) && diff -r "$distdir/dist" studio/dist >"$log" 2>&1; then
  passed=$((passed + 1)); echo "ok   studio/dist matches a fresh build of studio/src"
else
  failed=$((failed + 1)); status=1
  echo "FAIL studio/dist differs from a fresh build of studio/src (make studio-web, then commit studio/dist)"
  head -20 "$log"
fi
rm -rf "$distdir"
run "studio unit tests" sh -c 'cd studio && timeout 60 node --test test/unit/'
case $O in /*) bin=$O/sigjit ;; *) bin=$PWD/$O/sigjit ;; esac
run "studio end-to-end tests" env SIGJIT="$bin" timeout 240 node --test --test-concurrency=1 studio/test/e2e/
echo "$passed passed, $failed failed"
exit $status
