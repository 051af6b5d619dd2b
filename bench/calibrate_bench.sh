#!/usr/bin/env bash
# Calibration throughput (figures in bench/RESULTS.md, "Calibration").
#   bench/calibrate_bench.sh [BUILD_DIR] [RUNS]
# The recovery calibration of tests/cli/calibrate_test.sh (saas_b2b, 4 parameters, 3 KPI targets,
# 4 replications of 3,000 leads over a year per evaluation, 150 evaluations) on 2 threads:
# evaluations per second, simulated events per second, and the evaluation that found the optimum.
# Medians of RUNS (default 3).
set -euo pipefail
BUILD=${1:-build}
RUNS=${2:-3}
BIN=$(realpath "$BUILD/bin/journeysim")
SRC=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$BIN" -q run "$SRC/scenarios/saas_b2b.yaml" --customers 3000 --days 365 --replications 8 --seed 99 -o "$WORK/truth.h5"
"$BIN" score "$WORK/truth.h5" --kpi monthly_churn_rate,conversion_rate,time_between_logins --format json >"$WORK/truth.json"
/usr/bin/python3 - "$WORK/truth.json" "$SRC" >"$WORK/cal.yaml" <<'PY'
import json, sys
s = {x["id"]: x for x in json.load(open(sys.argv[1]))["kpis"]}
print(f"""format_version: 1
scenario: {sys.argv[2]}/scenarios/saas_b2b.yaml
seed: 7
replications: 4
customers: 3000
days: 365
parameters:
  - {{path: churn.monthly_hazard, bounds: [0.005, 0.15], scale: log, start: 0.1}}
  - {{path: acquisition.lead_conversion, bounds: [0.05, 0.6], start: 0.5}}
  - {{path: behaviour.logins_per_week, bounds: [0.5, 12], scale: log, start: 1.5}}
  - {{path: features.dashboards.prob_per_login, bounds: [0.05, 0.9], start: 0.2}}
targets:""")
for k in ["monthly_churn_rate", "conversion_rate", "time_between_logins"]:
    print(f"  - {{kpi: {k}, value: {s[k]['value']!r}, se: {s[k]['se']!r}}}")
print("optimiser: {max_evaluations: 150}")
PY
for ((r = 0; r < RUNS; r++)); do
  "$BIN" -q calibrate "$WORK/cal.yaml" -o "$WORK/fit.yaml" --threads 2 --format json --restart >"$WORK/fit$r.json"
done
/usr/bin/python3 - "$WORK" "$RUNS" <<'PY'
import json, sys, statistics
runs = [json.load(open(f"{sys.argv[1]}/fit{r}.json")) for r in range(int(sys.argv[2]))]
secs = [f["seconds"] for f in runs]
f = runs[0]
print(f"evaluations {f['evaluations']} (search {150}, Jacobian {2 * len(f['parameters'])}), optimum found at evaluation {f['best_evaluation']}, D = {f['distance']:.3f}")
print(f"seconds (runs): {', '.join(f'{s:.2f}' for s in secs)}; median {statistics.median(secs):.2f}")
print(f"evaluations/s: {f['evaluations'] / statistics.median(secs):.1f}")
PY
