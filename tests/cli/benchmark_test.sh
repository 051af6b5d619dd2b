#!/usr/bin/env bash
# End-to-end checks of `journeysim benchmark` and of baseline packs in `journeysim validate`:
# output formats, unavailable KPIs listed, and bad input (broken packs, unknown names, unreadable
# or truncated logs) as clear errors naming the file, never a crash.
# Usage: benchmark_test.sh JOURNEYSIM_BINARY SOURCE_DIR
set -uo pipefail
BIN=$1
SRC=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# an error exit (1), not a crash (signals give 128+)
expect_error() { [ "$1" -eq 1 ] || fail "exit code $1 (expected 1): $2"; }

# shipped packs validate, beside a scenario
out=$("$BIN" validate "$SRC"/scenarios/baselines/*.yaml "$SRC/scenarios/saas_b2b.yaml") || fail "shipped packs do not validate"
grep -q "saas_b2b_smb.yaml: ok (baseline pack saas_b2b_smb" <<<"$out" || fail "validate: $out"
grep -q "saas_b2b.yaml: ok (saas_b2b)" <<<"$out" || fail "validate: $out"

# broken packs outside a baselines directory (recognised by their figures: key)
sed '0,/^    note:/s//    nots:/' "$SRC/scenarios/baselines/ecommerce.yaml" >"$WORK/pack1.yaml"
line=$(grep -n '^    nots:' "$WORK/pack1.yaml" | cut -d: -f1)
err=$("$BIN" validate "$WORK/pack1.yaml" 2>&1); rc=$?
expect_error $rc "$err"
grep -q "pack1.yaml:$line:5: figures\[0\].nots: unknown key (did you mean 'note'?)" <<<"$err" || fail "message: $err"
sed 's/^  - kpi: nps$/  - kpi: nsp/' "$SRC/scenarios/baselines/ecommerce.yaml" >"$WORK/pack2.yaml"
line=$(grep -n 'kpi: nsp' "$WORK/pack2.yaml" | cut -d: -f1)
err=$("$BIN" benchmark "$SRC/scenarios/saas_b2b.yaml" --baseline "$WORK/pack2.yaml" 2>&1); rc=$?
expect_error $rc "$err"
grep -q "pack2.yaml:$line:10: figures\[4\].kpi: unknown KPI id 'nsp' (did you mean 'nps'?)" <<<"$err" || fail "message: $err"
err=$("$BIN" benchmark "$SRC/scenarios/saas_b2b.yaml" --baseline saas_smb 2>&1); rc=$?
expect_error $rc "$err"
grep -q "no baseline pack named 'saas_smb'.*shipped: .*saas_b2b_smb" <<<"$err" || fail "message: $err"

# a scenario simulated here: every format; the trial figure cannot be computed and is listed
"$BIN" -q benchmark "$SRC/scenarios/saas_b2b.yaml" --baseline saas_b2b_smb -r 2 --customers 2000 \
  --format json >"$WORK/b.json" || fail "benchmark (json) failed"
grep -q '"unavailable": \[' "$WORK/b.json" || fail "json lacks the unavailable list"
grep -q '"kpi": "trial_to_paid_rate"' "$WORK/b.json" || fail "json lacks trial_to_paid_rate"
grep -q '"replications": 2' "$WORK/b.json" || fail "json: replications"
out=$("$BIN" -q benchmark "$SRC/scenarios/saas_b2b.yaml" -b saas_b2b_smb -r 2 --customers 2000 --format table) || fail "benchmark (table) failed"
grep -q "^In the pack but not computable from this run:" <<<"$out" || fail "table: $out"
grep -q "trial_to_paid_rate: the log has no trial_started events" <<<"$out" || fail "table: $out"
grep -q "^Furthest from the benchmark" <<<"$out" || fail "table: $out"
"$BIN" -q benchmark "$SRC/scenarios/saas_b2b.yaml" -b saas_b2b_smb -r 2 --customers 2000 --format html >"$WORK/b.html" || fail "benchmark (html) failed"
# the page in the reports' look: summary, distance chart, the figures with verdict badges (#16)
for part in '<section id="summary">' 'data-chart="distance"' '<table class="kpis">' 'class="badge '; do
  grep -qF "$part" "$WORK/b.html" || fail "benchmark html lacks $part"
done
# -o: the same bytes as standard output, format from the extension, no temporary file left behind
"$BIN" -q benchmark "$SRC/scenarios/saas_b2b.yaml" -b saas_b2b_smb -r 2 --customers 2000 -o "$WORK/o.html" || fail "benchmark -o failed"
cmp -s "$WORK/o.html" "$WORK/b.html" || fail "benchmark -o x.html differs from --format html"
"$BIN" -q benchmark "$SRC/scenarios/saas_b2b.yaml" -b saas_b2b_smb -r 2 --customers 2000 -o "$WORK/o.json" || fail "benchmark -o failed"
cmp -s "$WORK/o.json" "$WORK/b.json" || fail "benchmark -o x.json differs from --format json"
ls "$WORK" | grep -q '\.tmp-' && fail "a temporary file was left: $(ls "$WORK")"
err=$("$BIN" -q benchmark "$SRC/scenarios/saas_b2b.yaml" -b saas_b2b_smb --customers 200 -o "$WORK/no/such/dir.json" 2>&1); rc=$?
expect_error $rc "$err"
grep -q "no/such/dir.json" <<<"$err" || fail "message: $err"

# compare --format html: the comparison report (forest plot), and -o x.html picks html
"$BIN" -q compare "$SRC/scenarios/saas_b2b.yaml" "$SRC/scenarios/saas_b2b_fast_response.yaml" -r 2 \
  --customers 500 --days 90 -o "$WORK/c.html" || fail "compare -o c.html failed"
grep -q 'data-chart="forest"' "$WORK/c.html" || fail "compare html lacks the forest plot"
"$BIN" -q compare "$SRC/scenarios/saas_b2b.yaml" "$SRC/scenarios/saas_b2b_fast_response.yaml" -r 2 \
  --customers 500 --days 90 --format json -o "$WORK/c.json" || fail "compare json failed"
"$BIN" -q report "$WORK/c.json" -o "$WORK/r.html" || fail "report of compare json failed"
grep -q 'data-chart="forest"' "$WORK/r.html" || fail "report lacks the forest plot"
# the report opens with the decision summary, folds every non-headline KPI and draws the
# cumulative incremental profit (#16)
grep -q '<section id="summary">' "$WORK/r.html" || fail "report lacks the decision summary"
grep -q '<details class="all-kpis">' "$WORK/r.html" || fail "report does not fold the other KPIs"
grep -q 'data-chart="cumulative-profit-1"' "$WORK/r.html" || fail "report lacks the cumulative profit"
/usr/bin/python3 - "$WORK/c.json" <<'PY' || fail "compare json: summary or past_horizon malformed"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["kind"]["id"] == "sales_led", c["kind"]
s = c["summary"][0]
assert s["pays"] in ("yes", "no", "unclear", "unknown"), s["pays"]
assert s["lines"][0].startswith("What changed"), s["lines"]
ids = {k["id"] for k in c["kpis"]}
assert set(s["headline"]) <= ids and len(s["headline"]) >= 8, s["headline"]
p = c["economics"][0]["past_horizon"]
assert p["discount_rate"] == 0.1 and p["projection_months"] == 36, p
assert len(p["cumulative_profit"]["month_end"]) == len(p["cumulative_profit"]["delta"])
for k in c["kpis"]:
    for d in k["differences"]:
        if d["available"] and k["unit"].startswith("share"):
            assert d["change"]["unit"] == "pp", (k["id"], d["change"])
PY

# stdout redirected to a file gets the table a terminal shows, not JSON (#16)
"$BIN" -q compare "$SRC/scenarios/saas_b2b.yaml" "$SRC/scenarios/saas_b2b_fast_response.yaml" -r 2 \
  --customers 300 --days 60 --kpi mrr >"$WORK/c.txt" || fail "compare > file failed"
grep -q "^== saas_b2b_fast_response vs saas_b2b ==" "$WORK/c.txt" || fail "compare > file: not the table: $(head -3 "$WORK/c.txt")"

# the decision summary opens each variant; the table holds the headline KPIs, --all every KPI
"$BIN" -q compare "$SRC/scenarios/saas_b2b.yaml" "$SRC/scenarios/saas_b2b_fast_response.yaml" -r 2 \
  --customers 300 --days 60 >"$WORK/h.txt" || fail "compare (headline) failed"
"$BIN" -q compare "$SRC/scenarios/saas_b2b.yaml" "$SRC/scenarios/saas_b2b_fast_response.yaml" -r 2 \
  --customers 300 --days 60 --all >"$WORK/all.txt" || fail "compare --all failed"
for line in "- What changed:" "- Does it pay:" "- Knock-on effects" "Scenario kind: sales-led subscription"; do
  grep -qF -- "$line" "$WORK/h.txt" || fail "compare: no '$line' in $(cat "$WORK/h.txt")"
done
grep -q "other KPIs, .* --all lists every KPI" "$WORK/h.txt" || fail "compare: the other KPIs are not announced"
rows_h=$(grep -c "^  [A-Z]" "$WORK/h.txt"); rows_all=$(grep -c "^  [A-Z]" "$WORK/all.txt")
[ "$rows_h" -ge 8 ] && [ "$rows_h" -le 14 ] || fail "compare: $rows_h headline rows"
[ "$rows_all" -ge 60 ] || fail "compare --all: $rows_all rows"
grep -q "past the horizon (36 months" "$WORK/h.txt" || fail "compare: no economics past the horizon"
err=$("$BIN" -q compare "$SRC/scenarios/saas_b2b.yaml" "$SRC/scenarios/saas_b2b_fast_response.yaml" \
  --discount-rate 2 2>&1) && fail "--discount-rate 2 accepted"
grep -q "discount-rate" <<<"$err" || fail "--discount-rate 2: $err"

# an event log
"$BIN" -q run "$SRC/scenarios/ecommerce_d2c.yaml" --customers 2000 --days 120 -o "$WORK/a.h5" || fail "run failed"
"$BIN" benchmark "$WORK/a.h5" -b ecommerce --format json >"$WORK/e.json" || fail "benchmark on a log failed"
grep -q '"name": "ecommerce"' "$WORK/e.json" || fail "json lacks the pack"
"$BIN" benchmark "$WORK/a.h5" -b ecommerce >"$WORK/e.txt" || fail "benchmark > file failed"
head -c1 "$WORK/e.txt" | grep -q '{' && fail "benchmark > file wrote JSON, not the table"
"$BIN" score "$WORK/a.h5" --kpi mrr >"$WORK/s.txt" || fail "score > file failed"
grep -q "^KPI report: " "$WORK/s.txt" || fail "score > file: not the table: $(head -2 "$WORK/s.txt")"
err=$("$BIN" benchmark "$WORK/a.h5" -b ecommerce --replications 3 2>&1); rc=$?
expect_error $rc "$err"
grep -q "replications applies to SCENARIO.yaml input" <<<"$err" || fail "message: $err"

# unreadable and truncated logs: an error naming the file
printf 'not hdf5' >"$WORK/fake.h5"
err=$("$BIN" benchmark "$WORK/fake.h5" -b ecommerce 2>&1); rc=$?
expect_error $rc "$err"
grep -q "fake.h5" <<<"$err" || fail "message: $err"
size=$(stat -c %s "$WORK/a.h5")
for n in 100 4096 $((size / 2)) $((size - 64)); do
  head -c "$n" "$WORK/a.h5" >"$WORK/cut.h5"
  err=$("$BIN" benchmark "$WORK/cut.h5" -b ecommerce 2>&1); rc=$?
  expect_error $rc "truncated at $n: $err"
  grep -q "cut.h5" <<<"$err" || fail "truncated at $n: $err"
done
echo "ok benchmark"
