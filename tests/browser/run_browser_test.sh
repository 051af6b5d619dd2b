#!/usr/bin/env bash
# Browser test of `journeysim report` (CTest label `browser`; scripts/test runs it):
# builds reports of small simulated logs (sales-led SaaS with 3 replications, a trial-based
# subscription app, non-contractual e-commerce), of tests/data/compare_sample.json, of a real
# `journeysim compare` output, of three sweeps' results (the full factorial
# scenarios/sweeps/saas_b2b_sales.yaml, and the small Sobol and Morris sweeps beside this script)
# and of a calibration fit (the tiny calibration_fit.yaml beside this script: 2 parameters, 2 KPI
# targets and one survival curve), renders them in headless Chromium at 1280 px and checks that
# every chart drew (bars with an area, heatmap cells, lines with points, bands with an area, as
# many marks as each figure declares, no NaN), that table rows line up under their headers, that
# nothing was fetched and that nothing logged an error (check_render.py says exactly what is
# checked). Pages built to fail (broken_report.html, broken_sweep_report.html,
# broken_fit_report.html) show the checks catch what they claim.
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
"$bin" benchmark "$tmp/saas.h5" -b saas_b2b_midmarket -q -o "$tmp/benchmark.html"
report "$src/tests/data/compare_sample.json" compare_sample.html
# two variants and a KPI not available second in the table: the rows after it must stay under
# their headers (its rowspan of every variant over one row shifted them, #16)
report "$src/tests/data/compare_unavailable_kpi_second.json" compare_unavailable.html
report "$tmp/compare.json" compare.html

# sweeps (about 2 s together on one core)
sweep() { "$bin" sweep "$1" -q --threads 1 -o "$tmp/$2"; }
sweep "$src/scenarios/sweeps/saas_b2b_sales.yaml" sweep_ff.h5
sweep "$here/sweep_sobol.yaml" sweep_sobol.h5
sweep "$here/sweep_morris.yaml" sweep_morris.h5
report "$tmp/sweep_ff.h5" sweep_ff.html
report "$tmp/sweep_sobol.h5" sweep_sobol.html
report "$tmp/sweep_morris.h5" sweep_morris.html --kpi mrr,lead_response_time
# what each sweep page must hold: per KPI its design's charts and one main-effect plot per
# factor (3), the factors-by-importance and best-points tables (TABLE=N: exactly N of them)
expect() {  # expect KPIS CHART_PREFIXES -> chart ids and table counts
  local list="" n=0 k c
  for k in $1; do
    n=$((n + 1))
    for c in $2; do list="$list,$c-$k"; done
    list="$list,main-$k-0,main-$k-1,main-$k-2"
  done
  echo "${list#,},table.factors=1,table.importance=$n,table.best=$n"
}
ff=$(expect "lead_response_time conversion_rate mrr cac_fully_loaded monthly_churn_rate \
  net_contribution" "anova heatmap")
sobol=$(expect "lead_response_time conversion_rate mrr" "sobol")
morris=$(expect "mrr lead_response_time" "morris morris-plane")

# a calibration fit (about 1 s on one core) and its report: the targets and parameters tables,
# the z-score bars, the correlation heatmap (2 parameters) and the survival curve chart (its
# observed and simulated lines, points and bands are counted against what the figure declares)
"$bin" calibrate "$here/calibration_fit.yaml" -q --threads 1 --restart -o "$tmp/fitted.yaml" \
  --report "$tmp/fit.json" >/dev/null
report "$tmp/fit.json" fit.html
fit=z-scores,correlation,curve-0,table.targets=1,table.parameters=1
fit="$fit,table.targets>tbody>tr=5,table.parameters>tbody>tr=2,#chart-z-scores rect.bar=5"
fit="$fit,#chart-correlation rect.cell=4,#chart-curve-0 path.line=2,#chart-curve-0 path.band=2"
fit="$fit,#chart-curve-0 circle.marker=6"

all=funnel,mrr,active,retention,active-share,survival,stages
shots=()
[ -n "${JOURNEYSIM_BROWSER_SCREENSHOTS:-}" ] && shots=(--screenshot-dir "$JOURNEYSIM_BROWSER_SCREENSHOTS")
set +e
python3 "$here/check_render.py" --chromium "$chromium" "${shots[@]}" \
  "$tmp/saas.html:$all" "$tmp/mobile.html:$all" "$tmp/ecommerce.html:funnel,active,stages" \
  "$tmp/compare_sample.html:forest" "$tmp/compare_unavailable.html:forest" "$tmp/compare.html:forest,cumulative-profit-1,section#summary=1,details.all-kpis=1" \
  "$tmp/benchmark.html:distance,table.kpis=1" \
  "$tmp/sweep_ff.html:$ff" "$tmp/sweep_sobol.html:$sobol" "$tmp/sweep_morris.html:$morris" \
  "$tmp/fit.html:$fit" \
  "!$here/broken_report.html" "!$here/broken_sweep_report.html:table.best=2" \
  "!$here/broken_fit_report.html" \
  >"$tmp/out.txt" 2>&1
status=$?
set -e
cat "$tmp/out.txt"
# the pages built to fail must have tripped every kind of check
for kind in "JavaScript exception" "console error" "the page requested" "empty SVG" \
  "no data marks" "text outside the chart" "of its size" "px wide at a"; do
  if ! grep -q "$kind" "$tmp/out.txt"; then
    echo "FAIL: the checker did not report \"$kind\" for broken_report.html"
    status=1
  fi
done
for kind in "marks of zero size" "declares 3 bars, 1 drawn" "declares 4 cells, 3 drawn" \
  "NaN or Infinity in SVG attributes" "NaN in the page text" "no header row" \
  "of 2 headers" "1 columns under 2 headers" "is not under its header" \
  "elements match 'table.best', expected 2"; do
  if ! grep -qF "$kind" "$tmp/out.txt"; then
    echo "FAIL: the checker did not report \"$kind\" for broken_sweep_report.html"
    status=1
  fi
done
for kind in "band of zero area" "declares 2 lines, 1 drawn" "declares 2 bands, 1 drawn" \
  "declares 3 points, 2 drawn"; do
  if ! grep -qF "$kind" "$tmp/out.txt"; then
    echo "FAIL: the checker did not report \"$kind\" for broken_fit_report.html"
    status=1
  fi
done
exit $status
