#!/usr/bin/env bash
# Browser test of `journeysim report` (CTest label `browser`; scripts/test runs it):
# builds reports of small simulated logs (sales-led SaaS with 3 replications, a trial-based
# subscription app, non-contractual e-commerce), of tests/data/compare_sample.json and of a real
# `journeysim compare` output, renders them in headless Chromium at 1280 px and checks that every
# chart drew, nothing was fetched and nothing logged an error (check_render.py says exactly what
# is checked). A page built to fail (broken_report.html) shows the checks catch what they claim.
#
#   run_browser_test.sh JOURNEYSIM_BINARY SOURCE_DIR
#
# Without Chromium the test is skipped (exit 77), unless JOURNEYSIM_REQUIRE_BROWSER=1, which
# scripts/test sets so that CI cannot skip it silently. JOURNEYSIM_BROWSER_SCREENSHOTS=DIR keeps
# a full-page PNG of every report and one per chart there.
set -euo pipefail
bin=$1
src=$2
here="$src/tests/browser"
chromium=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$chromium" ]; then
  if [ "${JOURNEYSIM_REQUIRE_BROWSER:-0}" = 1 ]; then
    echo "FAIL: chromium not found (scripts/install-deps --test installs it)"
    exit 1
  fi
  echo "SKIP: chromium not installed (apt-get install chromium, or scripts/install-deps --test)"
  exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/journeysim-browser-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

run() { "$bin" run "$src/scenarios/$1" -q --threads 1 -o "$tmp/$2" "${@:3}"; }
run saas_b2b.yaml saas.h5 --customers 2000 --replications 3
run mobile_subscription.yaml mobile.h5 --customers 1500 --days 240
run ecommerce_d2c.yaml ecommerce.h5 --customers 1000 --days 180
"$bin" compare "$src/scenarios/saas_b2b.yaml" "$src/scenarios/saas_b2b_fast_response.yaml" \
  -r 2 --customers 600 --days 120 --threads 1 --format json -q -o "$tmp/compare.json"

report() { "$bin" report "$1" -q -o "$tmp/$2" "${@:3}"; }
report "$tmp/saas.h5" saas.html
report "$tmp/mobile.h5" mobile.html
report "$tmp/ecommerce.h5" ecommerce.html
report "$src/tests/data/compare_sample.json" compare_sample.html
report "$tmp/compare.json" compare.html

all=funnel,mrr,active,retention,active-share,survival,stages
shots=()
[ -n "${JOURNEYSIM_BROWSER_SCREENSHOTS:-}" ] && shots=(--screenshot-dir "$JOURNEYSIM_BROWSER_SCREENSHOTS")
set +e
python3 "$here/check_render.py" --chromium "$chromium" "${shots[@]}" \
  "$tmp/saas.html:$all" "$tmp/mobile.html:$all" "$tmp/ecommerce.html:funnel,active,stages" \
  "$tmp/compare_sample.html:forest" "$tmp/compare.html:forest" \
  "!$here/broken_report.html" >"$tmp/out.txt" 2>&1
status=$?
set -e
cat "$tmp/out.txt"
# the page built to fail must have tripped every kind of check
for kind in "JavaScript exception" "console error" "the page requested" "empty SVG" \
  "no data marks" "text outside the chart" "of its size" "px wide at a"; do
  if ! grep -q "$kind" "$tmp/out.txt"; then
    echo "FAIL: the checker did not report \"$kind\" for broken_report.html"
    status=1
  fi
done
exit $status
