#!/usr/bin/env bash
# End-to-end checks of `journeysim calibrate`: recovery of known parameters, determinism across
# thread counts, resume after kill -9, bad calibration files, targets the scenario cannot produce,
# and the fitted scenario as the base of a what-if (`compare`).
# Usage: calibrate_test.sh JOURNEYSIM_BINARY SOURCE_DIR CASE
set -uo pipefail
BIN=$(realpath "$1")
SRC=$(realpath "$2")
CASE=$3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
PY=/usr/bin/python3

# Targets from a run of saas_b2b at known values (churn.monthly_hazard 0.035,
# acquisition.lead_conversion 0.22, behaviour.logins_per_week 4) with ANOTHER seed than the
# calibration's: the targets carry their own sampling noise, as real data would.
truth() {
  "$BIN" -q run "$SRC/scenarios/saas_b2b.yaml" --customers 3000 --days 365 --replications 8 --seed 99 \
    -o "$WORK/truth.h5" || fail "truth run"
  "$BIN" score "$WORK/truth.h5" --kpi monthly_churn_rate,conversion_rate,time_between_logins --format json \
    >"$WORK/truth.json" || fail "truth score"
}
# recovery.yaml: three identifiable parameters far from the truth, and one the targets cannot see
recovery() {  # MAX_EVALUATIONS
  $PY - "$WORK/truth.json" "$SRC" "$1" >"$WORK/recovery.yaml" <<'PY' || fail "writing recovery.yaml"
import json, sys
d = json.load(open(sys.argv[1])); src = sys.argv[2]; evals = sys.argv[3]
s = {x["id"]: x for x in d["kpis"]}
print(f"""format_version: 1
name: recovery
scenario: {src}/scenarios/saas_b2b.yaml
seed: 7
replications: 4
customers: 3000
days: 365
parameters:
  - {{name: churn, path: churn.monthly_hazard, bounds: [0.005, 0.15], scale: log, start: 0.1}}
  - {{name: conversion, path: acquisition.lead_conversion, bounds: [0.05, 0.6], start: 0.5}}
  - {{name: logins, path: behaviour.logins_per_week, bounds: [0.5, 12], scale: log, start: 1.5}}
  - {{name: dashboards, path: features.dashboards.prob_per_login, bounds: [0.05, 0.9], start: 0.2}}
targets:""")
for k in ["monthly_churn_rate", "conversion_rate", "time_between_logins"]:
    print(f"  - {{kpi: {k}, value: {s[k]['value']!r}, se: {s[k]['se']!r}}}")
print(f"optimiser: {{max_evaluations: {evals}}}")
PY
}

case "$CASE" in
recovery)
  truth
  recovery 150
  "$BIN" -q calibrate "$WORK/recovery.yaml" -o "$WORK/fitted.yaml" --format json >"$WORK/fit.json" \
    || fail "calibrate"
  $PY - "$WORK/fit.json" <<'PY' || fail "recovery"
import json, sys
f = json.load(open(sys.argv[1]))
truth = {"churn.monthly_hazard": 0.035, "acquisition.lead_conversion": 0.22, "behaviour.logins_per_week": 4.0}
print(f"D = {f['distance']:.3f} after {f['evaluations']} evaluations")
for p in f["parameters"]:
    print(f"  {p['path']}: start {p['start']:.4g}, fitted {p['value']:.4g} +- {p['se'] if p['se'] is None else round(p['se'], 4)}, {p['warning']}")
    if p["path"] in truth:
        assert p["identifiable"] and p["se"] is not None, p
        gap = abs(p["value"] - truth[p["path"]])
        # within 3 reported standard errors (the targets' own sampling noise included)
        assert gap <= 3 * p["se"], f"{p['path']}: {p['value']} is {gap / p['se']:.1f} se from {truth[p['path']]}"
        assert abs(p["start"] - truth[p["path"]]) > 10 * p["se"], "the start was not far"
    else:
        assert not p["identifiable"] and p["se"] is None and "not identifiable" in p["warning"], p
assert f["distance"] < 12, f["distance"]  # 3 targets: D ~ chi-square(3) at the truth
assert all(abs(t["z"]) < 3 for t in f["targets"])
PY
  grep -q '^extends: ' "$WORK/fitted.yaml" || fail "FITTED.yaml does not extend the base"
  "$BIN" validate "$WORK/fitted.yaml" >/dev/null || fail "FITTED.yaml is not a valid scenario"
  # the fitted model is the base of what-ifs
  printf 'format_version: 1\nextends: fitted.yaml\nname: faster\nteams:\n  - {name: sales, agents: 14}\n' >"$WORK/faster.yaml"
  "$BIN" compare "$WORK/fitted.yaml" "$WORK/faster.yaml" --replications 3 --customers 800 --days 120 \
    --kpi conversion_rate --format json >"$WORK/cmp.json" || fail "compare FITTED.yaml VARIANT.yaml"
  ;;
determinism)
  truth
  recovery 40
  "$BIN" -q calibrate "$WORK/recovery.yaml" -o "$WORK/t1.yaml" --threads 1 >/dev/null || fail "threads 1"
  "$BIN" -q calibrate "$WORK/recovery.yaml" -o "$WORK/t2.yaml" --threads 2 >/dev/null || fail "threads 2"
  # the first line says when it was fitted; everything else is the same
  cmp -s <(tail -n +2 "$WORK/t1.yaml") <(tail -n +2 "$WORK/t2.yaml") || { diff "$WORK/t1.yaml" "$WORK/t2.yaml"; fail "1 vs 2 threads differ"; }
  # under mpirun every rank runs the same search and shares out the replications
  command -v mpirun >/dev/null || fail "mpirun not installed (scripts/install-deps installs openmpi-bin)"
  # Open MPI keeps its pools past MPI_Finalize: in the sanitizer build LeakSanitizer would report
  # them as leaks of the ranks (libmpi, its plugins); ours are checked by every other test
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
  for n in 2 3; do
    mpirun -n $n --oversubscribe --allow-run-as-root "$BIN" -q calibrate "$WORK/recovery.yaml" -o "$WORK/m$n.yaml" --threads 1 \
      >"$WORK/m$n.log" 2>&1 || { cat "$WORK/m$n.log"; fail "mpirun -n $n"; }
    cmp -s <(tail -n +2 "$WORK/t1.yaml") <(tail -n +2 "$WORK/m$n.yaml") || { diff "$WORK/t1.yaml" "$WORK/m$n.yaml"; fail "mpirun -n $n differs"; }
  done
  ;;
resume)
  truth
  recovery 60
  "$BIN" -q calibrate "$WORK/recovery.yaml" -o "$WORK/ref.yaml" --threads 2 >"$WORK/ref.txt" || fail "reference"
  t0=$(date +%s.%N)
  "$BIN" -q calibrate "$WORK/recovery.yaml" -o "$WORK/ref2.yaml" --threads 2 >/dev/null || fail "timing run"
  ref=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  "$BIN" -q calibrate "$WORK/recovery.yaml" -o "$WORK/res.yaml" --threads 2 >/dev/null &
  pid=$!
  sleep "$(awk -v r="$ref" 'BEGIN { printf "%.3f", r * 0.4 }')"
  kill -9 $pid || fail "finished before the kill ($ref s)"
  wait $pid 2>/dev/null
  [ -e "$WORK/res.yaml" ] && fail "a killed calibration left FITTED.yaml"
  err=$("$BIN" -q calibrate "$WORK/recovery.yaml" -o "$WORK/res.yaml" 2>&1) && fail "an existing journal was ignored"
  grep -q "give --resume" <<<"$err" || fail "message: $err"
  "$BIN" -q calibrate "$WORK/recovery.yaml" -o "$WORK/res.yaml" --threads 1 --resume --format json >"$WORK/res.json" \
    || fail "resume"
  $PY -c "import json,sys; f=json.load(open(sys.argv[1])); assert f['replayed_from_journal'] > 0, f['replayed_from_journal']; print('replayed', f['replayed_from_journal'])" "$WORK/res.json" \
    || fail "nothing was replayed from the journal"
  cmp -s <(tail -n +2 "$WORK/ref.yaml") <(tail -n +2 "$WORK/res.yaml") || { diff "$WORK/ref.yaml" "$WORK/res.yaml"; fail "resumed fit differs"; }
  # a journal of another calibration is refused
  sed -i 's/^seed: 7$/seed: 8/' "$WORK/recovery.yaml"
  "$BIN" -q calibrate "$WORK/recovery.yaml" -o "$WORK/x.yaml" --journal "$WORK/j" --keep-journal >/dev/null &
  pid=$!
  sleep 1
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  sed -i 's/^seed: 8$/seed: 9/' "$WORK/recovery.yaml"
  err=$("$BIN" -q calibrate "$WORK/recovery.yaml" -o "$WORK/x.yaml" --journal "$WORK/j" --resume 2>&1) && fail "another calibration's journal accepted"
  grep -q "belongs to a different sweep\|belongs to a different" <<<"$err" || fail "message: $err"
  ;;
errors)
  cd "$SRC/tests/calibration_errors" || fail "no tests/calibration_errors"
  n=0
  for f in *.yaml; do
    out=$("$BIN" calibrate "$f" --check 2>&1) && fail "$f accepted"
    grep -q '^# expect: ' "$f" || fail "$f has no '# expect:' line"
    while IFS= read -r line; do
      e=${line#\# expect: }
      grep -qF -- "$e" <<<"$out" || fail "$f: expected '$e', got: $out"
    done < <(grep '^# expect: ' "$f")
    n=$((n + 1))
  done
  [ $n -ge 8 ] || fail "only $n bad calibration files"
  echo "$n bad calibration files give their messages"
  # targets the scenario cannot produce: saas_b2b has no trials, no purchases
  cat >"$WORK/cannot.yaml" <<EOF
format_version: 1
scenario: $SRC/scenarios/saas_b2b.yaml
replications: 2
customers: 300
days: 90
parameters:
  - {path: churn.monthly_hazard, bounds: [0.01, 0.1], scale: log}
targets:
  - {kpi: trial_to_paid_rate, value: 0.2, se: 0.01}
  - {kpi: repeat_purchase_rate, value: 0.3, se: 0.01}
  - {kpi: monthly_churn_rate, value: 0.03, se: 0.003}
EOF
  err=$("$BIN" -q calibrate "$WORK/cannot.yaml" -o "$WORK/c.yaml" 2>&1) && fail "unproducible targets accepted"
  grep -q "cannot produce these targets.*trial_to_paid_rate, repeat_purchase_rate" <<<"$err" || fail "message: $err"
  grep -q "monthly_churn_rate" <<<"$(grep -o 'cannot produce these targets[^(]*' <<<"$err")" && fail "listed a producible target: $err"
  [ -e "$WORK/c.yaml" ] && fail "a failed calibration wrote FITTED.yaml"
  ;;
targets)
  # the three kinds of target: a KPI measured on a real log (bootstrap standard error), a monthly
  # series of a KPI's table, a survival curve; each becomes the moments the search matches
  cat >"$WORK/t.yaml" <<EOF
format_version: 1
scenario: $SRC/scenarios/telco_contracts.yaml
replications: 2
customers: 3000
parameters:
  - {name: hazard, path: churn.monthly_hazard, bounds: [0.005, 0.3], scale: log}
targets:
  - {kpi: monthly_churn_rate, from_log: {log: $SRC/data/Telco-Customer-Churn.csv, mapping: telco, group: Month-to-month, resamples: 60}, simulated_group: month_to_month}
  - {kpi: active_customers, months: [6, 12, 24], values: [800, 1200, 1500], se: 50}
  - {kpi: mrr, column: paying_customers, months: [12], values: [900], tolerance: 100}
  - survival: {log: $SRC/data/Telco-Customer-Churn.csv, mapping: telco, group: Two year, simulated_group: two_year, months: [12, 60]}
optimiser: {max_evaluations: 6}
EOF
  "$BIN" calibrate "$WORK/t.yaml" --check >"$WORK/check.txt" || fail "--check: $(cat "$WORK/check.txt")"
  $PY - "$WORK/check.txt" <<'PY' || fail "moments: $(cat "$WORK/check.txt")"
import re, sys
lines = [l.strip() for l in open(sys.argv[1]) if l.strip().startswith("target ")]
names = [l.split()[1] for l in lines]
assert names == ["monthly_churn_rate[Month-to-month]", "active_customers(month", "active_customers(month",
                 "active_customers(month", "mrr.paying_customers(month", "survival[Two", "survival[Two"], names
m = re.match(r"target \S+ = ([0-9.e-]+) \+- ([0-9.e-]+)", lines[0])
value, se = float(m.group(1)), float(m.group(2))
assert 0 < se < value / 2, (value, se)  # a bootstrap standard error, not a placeholder
assert lines[4].endswith("= 900 +- 51"), lines[4]  # tolerance 100 = 1.96 se
PY
  "$BIN" -q calibrate "$WORK/t.yaml" -o "$WORK/t_fit.yaml" --report "$WORK/t_fit.json" >/dev/null || fail "calibrate"
  "$BIN" -q report "$WORK/t_fit.json" -o "$WORK/t_fit.html" || fail "report FIT.json"
  grep -q "<svg" "$WORK/t_fit.html" || fail "no chart in the fit report"
  ;;
*)
  fail "unknown case $CASE"
  ;;
esac
echo "ok: calibrate $CASE"
