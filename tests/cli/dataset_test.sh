#!/usr/bin/env bash
# End-to-end checks of `journeysim dataset` and `journeysim evaluate`: byte-identical partitions
# across thread counts, --part machines (into one directory, or several merged) and partition
# counts; verify catching a changed byte, a stray and a deleted file; the manifest and the
# datasheet against the files (and h5py); the ground truth against the labels; evaluate's
# metrics against Python's and its refusal of bad predictions; bad options; SIGTERM.
# Usage: dataset_test.sh JOURNEYSIM_BINARY SOURCE_DIR CASE
set -uo pipefail
BIN=$(realpath "$1")
SRC=$(realpath "$2")
CASE=$3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }
PY=/usr/bin/python3  # has h5py and numpy (a pyenv python3 on PATH may not)
ECOM=$SRC/scenarios/ecommerce_d2c.yaml
SAAS=$SRC/scenarios/saas_b2b.yaml
# 5,000 customers a market: SF 0.3 has 6 markets, SF 0.2 has 4
SMALL=(--set customers=5000)

# journeysim dataset ARGS... -q, failing the test (with its output) if it fails
gen() {
  "$BIN" dataset "$@" -q >"$WORK/gen.log" 2>&1 || { cat "$WORK/gen.log"; fail "dataset $*"; }
}
# The data files of a release (relative paths, sorted): every *.h5 and *.csv.gz.
data_files() { (cd "$1" && find . -type f \( -name '*.h5' -o -name '*.csv.gz' \) | sort); }
# Every data file of A is in B and equal to the byte, and B has no other.
same_data() {  # A B what
  data_files "$1" >"$WORK/la.txt"
  data_files "$2" >"$WORK/lb.txt"
  [ -s "$WORK/la.txt" ] || fail "$3: $1 has no data files"
  cmp -s "$WORK/la.txt" "$WORK/lb.txt" || { diff "$WORK/la.txt" "$WORK/lb.txt" | head; fail "$3: not the same files"; }
  while read -r f; do
    cmp -s "$1/$f" "$2/$f" || fail "$3: $f differs"
  done <"$WORK/la.txt"
}
# manifest.json "files" arrays (path, table, bytes, rows, sha256) equal
same_manifest_files() {  # A B what
  "$PY" - "$1/manifest.json" "$2/manifest.json" <<'PY' || fail "$3: manifest files differ"
import json, sys
a, b = (json.load(open(p))["files"] for p in sys.argv[1:3])
assert len(a) > 0
if a != b:
    for x, y in zip(a, b):
        if x != y: print(x, "\n", y); break
    print(len(a), len(b)); sys.exit(1)
PY
}
# Decompressed rows (no header) of every partition of TABLE in order.
rows_of() {  # DIR TABLE
  for f in "$1/$2"/part-*.csv.gz; do zcat "$f" | tail -n +2; done
}
# Change the byte in the middle of FILE (to another value), in place.
flip_byte() {
  local size off b
  size=$(stat -c %s "$1")
  off=$((size / 2))
  b=$(od -An -tu1 -j "$off" -N1 "$1" | tr -d ' ')
  printf "\\$(printf %03o $(((b + 1) % 256)))" | dd of="$1" bs=1 seek="$off" conv=notrunc status=none
}

case "$CASE" in
determinism)
  E=("$ECOM" --sf 0.3 "${SMALL[@]}" --partitions 4 --format both)
  # (a) the whole release on 2 threads and on 1
  gen "${E[@]}" -o "$WORK/t2" --threads 2
  gen "${E[@]}" -o "$WORK/t1" --threads 1
  [ "$(data_files "$WORK/t2" | grep -c '\.h5$')" -eq 4 ] || fail "not 4 HDF5 partitions"
  data_files "$WORK/t2" | grep -q '^./reference/purchases_holdout/oracle.csv.gz$' || fail "no reference files"
  same_data "$WORK/t2" "$WORK/t1" "threads 2 vs 1"
  same_manifest_files "$WORK/t2" "$WORK/t1" "threads 2 vs 1"
  ok "threads 2 and 1: $(data_files "$WORK/t2" | wc -l) data files byte-identical"
  # (b) three machines into one directory, out of order; the last one completes the release
  for k in 3 1 2; do
    gen "${E[@]}" -o "$WORK/one" --part $k/3 --threads 1
    if [ $k != 2 ]; then [ -e "$WORK/one/manifest.json" ] && fail "manifest.json written before every part"; fi
  done
  [ -f "$WORK/one/manifest.json" ] || fail "the last --part run did not write manifest.json"
  [ "$(ls "$WORK/one/parts" | wc -l)" -eq 3 ] || fail "not one parts record per run: $(ls "$WORK/one/parts")"
  same_data "$WORK/t2" "$WORK/one" "--part k/3 into one directory"
  same_manifest_files "$WORK/t2" "$WORK/one" "--part k/3 into one directory"
  ok "--part 3/3, 1/3, 2/3 into one directory: same files and manifest"
  # (c) three machines, each into its own directory, then copied together and finished
  for k in 1 2 3; do gen "${E[@]}" -o "$WORK/m$k" --part $k/3 --threads 2; done
  for k in 1 2 3; do [ -e "$WORK/m$k/manifest.json" ] && fail "machine $k alone wrote a manifest"; done
  mkdir "$WORK/merged"
  for k in 1 2 3; do cp -r "$WORK/m$k/." "$WORK/merged/"; done
  "$BIN" dataset finish "$WORK/merged" >"$WORK/fin.txt" 2>&1 || { cat "$WORK/fin.txt"; fail "finish merged"; }
  [ -f "$WORK/merged/manifest.json" ] || fail "finish wrote no manifest"
  same_data "$WORK/t2" "$WORK/merged" "three directories merged"
  same_manifest_files "$WORK/t2" "$WORK/merged" "three directories merged"
  ok "--part k/3 in three directories, merged and finished: same files and manifest"
  # (d) 2 or 4 partitions: the same rows, only cut in other places
  C=("$ECOM" --sf 0.3 "${SMALL[@]}" --format csv --threads 2)
  gen "${C[@]}" --partitions 2 -o "$WORK/p2"
  gen "${C[@]}" --partitions 4 -o "$WORK/p4"
  [ "$(ls "$WORK/p2/events" | wc -l)" -eq 2 ] && [ "$(ls "$WORK/p4/events" | wc -l)" -eq 4 ] \
    || fail "partition counts: $(ls "$WORK/p2/events") / $(ls "$WORK/p4/events")"
  for t in events customers channels truth summary labels/purchases_holdout labels/spend_holdout \
    tasks/purchases_holdout; do
    rows_of "$WORK/p2" "$t" >"$WORK/r2.txt"
    rows_of "$WORK/p4" "$t" >"$WORK/r4.txt"
    [ -s "$WORK/r2.txt" ] || fail "$t: no rows"
    cmp -s "$WORK/r2.txt" "$WORK/r4.txt" || fail "$t: rows of 2 partitions differ from those of 4"
  done
  for t in reference/purchases_holdout/oracle reference/spend_holdout/oracle; do
    cmp -s <(zcat "$WORK/p2/$t.csv.gz") <(zcat "$WORK/p4/$t.csv.gz") || fail "$t differs between 2 and 4 partitions"
  done
  ok "--partitions 2 vs 4: same events, customers, channels, truth, summary, task and label rows"
  # (e) a subscription scenario (4 markets)
  S=("$SAAS" --sf 0.1 --set customers=2500 --format both)
  gen "${S[@]}" -o "$WORK/s1" --threads 1
  gen "${S[@]}" -o "$WORK/s2" --threads 2
  data_files "$WORK/s1" | grep -q 'labels/churn_90d/' || fail "saas_b2b: no churn_90d labels"
  same_data "$WORK/s1" "$WORK/s2" "saas_b2b threads 1 vs 2"
  same_manifest_files "$WORK/s1" "$WORK/s2" "saas_b2b threads 1 vs 2"
  ok "saas_b2b threads 1 and 2: byte-identical"
  ;;
verify)
  R=$WORK/rel
  gen "$ECOM" --sf 0.3 "${SMALL[@]}" --partitions 4 --format both -o "$R"
  out=$("$BIN" dataset verify "$R") || { echo "$out"; fail "verify of a good release: rc $?"; }
  grep -q "^verified" <<<"$out" || fail "verify: $out"
  grep -q "^regenerated   partition [1-4] " <<<"$out" || fail "verify regenerated nothing: $out"
  ok "a good release verifies"
  out=$("$BIN" dataset verify "$R" --partition 2 --threads 2) || { echo "$out"; fail "verify --partition 2"; }
  grep -q "^regenerated   partition 2 (10 files)" <<<"$out" || fail "--partition 2: $out"
  grep -q "^verified" <<<"$out" || fail "--partition 2: $out"
  ls -a "$R" | grep -q '^\.verify-' && fail "verify left its regeneration folder"
  ok "--partition 2 regenerated and matched"
  # a changed byte in a csv.gz and in an .h5
  cp -r "$R" "$WORK/bad"
  C1=labels/purchases_holdout/part-00003-of-00004.csv.gz
  H1=events/part-00002-of-00004.h5
  for f in "$C1" "$H1"; do
    flip_byte "$WORK/bad/$f"
    [ "$(stat -c %s "$WORK/bad/$f")" = "$(stat -c %s "$R/$f")" ] || fail "flip_byte changed the size of $f"
    [ "$(cmp -l "$WORK/bad/$f" "$R/$f" | wc -l)" -eq 1 ] || fail "flip_byte did not change one byte of $f"
  done
  out=$("$BIN" dataset verify "$WORK/bad" --partition 1)
  rc=$?
  [ $rc -eq 1 ] || { echo "$out"; fail "verify of changed files: rc $rc"; }
  for f in "$C1" "$H1"; do
    grep -q "^DIFFERS  *$f: SHA-256" <<<"$out" || { echo "$out"; fail "$f not named as changed"; }
  done
  [ "$(grep -c '^DIFFERS' <<<"$out")" -eq 2 ] || { echo "$out"; fail "not exactly the 2 changed files"; }
  grep -q "^NOT VERIFIED" <<<"$out" || fail "no NOT VERIFIED: $out"
  ok "a changed byte in a csv.gz and in an .h5: both named, rc 1"
  # a stray file and a deleted one
  cp -r "$R" "$WORK/bad2"
  echo "x" >"$WORK/bad2/customers/extra.csv"
  rm "$WORK/bad2/truth/part-00004-of-00004.csv.gz"
  out=$("$BIN" dataset verify "$WORK/bad2" --no-regenerate)
  rc=$?
  [ $rc -eq 1 ] || { echo "$out"; fail "verify of a stray and a missing file: rc $rc"; }
  grep -q "^DIFFERS  *customers/extra.csv: not in the manifest" <<<"$out" || { echo "$out"; fail "stray file"; }
  grep -q "^DIFFERS  *truth/part-00004-of-00004.csv.gz: missing" <<<"$out" || { echo "$out"; fail "missing file"; }
  ok "a stray file is not in the manifest, a deleted one missing"
  # --partition out of range
  out=$("$BIN" dataset verify "$R" --partition 99 2>&1) && fail "--partition 99 of 4 accepted: $out"
  grep -q -- "--partition" <<<"$out" && grep -q "1\.\.4" <<<"$out" || fail "--partition 99: $out"
  ok "--partition 99 refused: $(grep -- --partition <<<"$out")"
  # an incomplete release (1 part of 3): no manifest, verify says so
  gen "$ECOM" --sf 0.3 "${SMALL[@]}" --partitions 3 --part 1/3 -o "$WORK/part"
  out=$("$BIN" dataset verify "$WORK/part" 2>&1) && fail "verify of an incomplete release accepted: $out"
  grep -q "incomplete" <<<"$out" || fail "incomplete: $out"
  ok "verify of a release without manifest.json: incomplete"
  ;;
manifest)
  R=$WORK/rel
  gen "$ECOM" --sf 0.2 "${SMALL[@]}" --partitions 2 --format both -o "$R"
  for k in 1 2; do
    h5=$R/events/part-0000$k-of-00002.h5
    h5dump -H "$h5" >/dev/null || fail "h5dump -H cannot read $h5"
    "$BIN" score "$h5" --format json >"$WORK/score.json" || fail "journeysim score cannot read $h5"
    "$PY" -c "import json,sys; j=json.load(open(sys.argv[1])); assert j['kpis']" "$WORK/score.json" \
      || fail "score output of $h5"
  done
  ok "the HDF5 partitions are event logs (h5dump -H, journeysim score)"
  "$PY" - "$R" <<'PY' || fail "the manifest, datasheet or truth do not match the files"
import csv, gzip, hashlib, io, json, math, os, re, sys
from collections import Counter
from datetime import datetime, timezone
import h5py, numpy as np
R = sys.argv[1]
m = json.load(open(os.path.join(R, "manifest.json")))
assert m["format"] == "journeysim-dataset", m["format"]
def rows(path):
    with gzip.open(path, "rt", newline="") as f:
        return list(csv.reader(f))
listed = {f["path"]: f for f in m["files"]}
n_h5 = 0
for path, f in listed.items():
    p = os.path.join(R, path)
    with open(p, "rb") as fh:
        sha = hashlib.sha256(fh.read()).hexdigest()
    assert sha == f["sha256"], (path, sha, f["sha256"])
    assert os.path.getsize(p) == f["bytes"], (path, os.path.getsize(p), f["bytes"])
    if path.endswith(".csv.gz"):
        with gzip.open(p, "rb") as fh:
            n = fh.read().count(b"\n") - 1
    else:
        assert path.endswith(".h5"), path
        with h5py.File(p, "r") as h:
            n = len(h["events/time"])
        n_h5 += 1
    assert n == f["rows"], (path, n, f["rows"])
assert n_h5 == 2, n_h5
# every data file of the release is listed
on_disk = set()
for d, _, fs in os.walk(R):
    for x in fs:
        rel = os.path.relpath(os.path.join(d, x), R)
        if rel.endswith((".h5", ".csv.gz")): on_disk.add(rel)
assert on_disk == set(listed), on_disk ^ set(listed)
print("ok: %d files: SHA-256, bytes and rows (h5py for the HDF5 partitions)" % len(listed))

# tables and event counts against the events CSVs
ev_csv = sorted(p for p in listed if p.startswith("events/") and p.endswith(".csv.gz"))
assert len(ev_csv) == 2
types = Counter()
total = 0
for p in ev_csv:
    r = rows(os.path.join(R, p))
    assert r[0] == "time,customer,type,arg,arg_name,value,market,replication".split(","), r[0]
    types.update(x[2] for x in r[1:])
    total += len(r) - 1
    # the HDF5 partition holds the same events
    with h5py.File(os.path.join(R, p.replace(".csv.gz", ".h5")), "r") as h:
        assert len(h["events/time"]) == len(r) - 1
        cust = h["events/customer"][:]
        t = h["events/time"][:]
    assert (cust == np.array([int(x[1]) for x in r[1:]], dtype=cust.dtype)).all(), p
    iso = np.array([int(datetime.strptime(x[0], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()) for x in r[1:]])
    assert (t.astype(np.int64) == iso).all(), p
assert m["tables"]["events"]["rows"] == total, (m["tables"]["events"]["rows"], total)
assert dict(types) == m["event_counts"], (dict(types), m["event_counts"])
for t in ("customers", "channels", "truth", "summary"):
    n = sum(f["rows"] for f in m["files"] if f["table"] == t and f["path"].endswith(".csv.gz"))
    assert m["tables"][t]["rows"] == n, (t, m["tables"][t]["rows"], n)
print("ok: tables.events.rows = %d = the events CSV rows; event_counts match (%d types); the HDF5 events equal the CSV" % (total, len(types)))

# tasks against the label files
assert set(m["tasks"]) == {"purchases_holdout", "spend_holdout"}, m["tasks"].keys()
labels = {}
for task, tj in m["tasks"].items():
    lab = []
    ids = []
    for p in sorted(x for x in listed if x.startswith("labels/%s/" % task)):
        r = rows(os.path.join(R, p))
        assert r[0] == ["customer_id", task], r[0]
        lab += [float(x[1]) for x in r[1:]]
    for p in sorted(x for x in listed if x.startswith("tasks/%s/" % task)):
        ids += [int(x[0]) for x in rows(os.path.join(R, p))[1:]]
    assert len(lab) == tj["rows"] == len(ids), (task, len(lab), tj["rows"], len(ids))
    mean = sum(lab) / len(lab)
    assert abs(mean - tj["label_mean"]) <= 1e-9 * abs(mean), (task, mean, tj["label_mean"])
    labels[task] = lab
print("ok: task rows and label means match the label files")

# the datasheet
ds = open(os.path.join(R, "DATASHEET.md")).read()
for s in ("Motivation", "Composition", "Collection process", "Preprocessing", "Prediction tasks",
          "Uses", "Distribution", "Maintenance"):
    assert re.search(r"^## " + s, ds, re.M), "no section " + s
assert m["dataset_id"] in ds, "the datasheet does not name the dataset id"
row = re.search(r"^\| events \| ([0-9,]+) \|", ds, re.M)
assert row, "no events row in the datasheet's table"
assert row.group(1) == "{:,}".format(total), (row.group(1), total)
print("ok: DATASHEET.md has the 8 sections, the id %s and %s events" % (m["dataset_id"], row.group(1)))

# the ground truth against the labels (ids in the same order)
tr = []
for p in sorted(x for x in listed if x.startswith("truth/")):
    r = rows(os.path.join(R, p))
    h = r[0]
    tr += [dict(zip(h, x)) for x in r[1:]]
y = labels["purchases_holdout"]
assert len(tr) == len(y), (len(tr), len(y))
expected = sum(float(t["expected_purchases_holdout"]) for t in tr)
actual = sum(y)
se = math.sqrt(expected)
assert abs(actual - expected) <= 4 * se, (actual, expected, se)
dead = [i for i, t in enumerate(tr) if t["alive"] == "0"]
assert dead, "no customer dropped out"
assert all(y[i] == 0 for i in dead), "a customer dead at T_c purchased afterwards"
assert all(float(tr[i]["expected_purchases_holdout"]) == 0 for i in dead)
print("ok: truth: %.1f expected purchases vs %d labelled (SE %.1f); %d dead customers buy nothing" % (expected, actual, se, len(dead)))
PY
  ;;
evaluate)
  # a subscription release (binary tasks)
  gen "$SAAS" --sf 0.1 --set customers=5000 --format csv -o "$WORK/saas"
  D=$WORK/saas
  ids() { for f in "$D/tasks/$1"/part-*.csv.gz; do zcat "$f" | tail -n +2; done; }
  ids churn_90d >"$WORK/ids.txt"
  [ "$(wc -l <"$WORK/ids.txt")" -gt 200 ] || fail "too few churn_90d customers: $(wc -l <"$WORK/ids.txt")"
  { echo "customer_id,churn_90d"; sed 's/$/,0.1/' "$WORK/ids.txt"; } >"$WORK/const.csv"
  ev() {  # PREDICTIONS [TASK [DATASET]] -> json on stdout
    "$BIN" evaluate "$1" --dataset "${3:-$D}" --task "${2:-churn_90d}" --format json
  }
  ev "$WORK/const.csv" >"$WORK/const.json" || fail "evaluate of constant predictions"
  # the labels in the tasks' order
  for f in "$D/labels/churn_90d"/part-*.csv.gz; do zcat "$f" | tail -n +2; done >"$WORK/labels.csv"
  cut -d, -f1 "$WORK/labels.csv" | cmp -s - "$WORK/ids.txt" || fail "labels and tasks list other customers"
  "$PY" - "$WORK/const.json" "$WORK/labels.csv" <<'PY' || fail "constant predictions: metrics"
import json, math, sys
j = json.load(open(sys.argv[1]))
y = [float(l.split(",")[1]) for l in open(sys.argv[2])]
assert j["task"] == "churn_90d" and j["kind"] == "binary" and j["customers"] == len(y), j
assert 0 < sum(y) < len(y), "one class only"
assert abs(j["label_mean"] - sum(y) / len(y)) <= 1e-12
r = {x["name"]: x for x in j["rows"]}
assert set(r) == {"yours", "baseline", "oracle"}, r.keys()
me = r["yours"]
assert me["auc"]["value"] == 0.5, me["auc"]
brier = sum((0.1 - v) ** 2 for v in y) / len(y)
ll = -sum(v * math.log(0.1) + (1 - v) * math.log(0.9) for v in y) / len(y)
assert abs(me["brier"]["value"] - brier) <= 1e-9, (me["brier"], brier)
assert abs(me["log_loss"]["value"] - ll) <= 1e-9, (me["log_loss"], ll)
assert me["brier"]["ci_low"] <= brier <= me["brier"]["ci_high"], me["brier"]
bins = me["calibration"]
assert sum(b["n"] for b in bins) == len(y) and len(bins) == 10
print("ok: constant 0.1: AUC 0.5, Brier %.6f and log loss %.6f as Python's" % (brier, ll))
PY
  # the labels themselves as probabilities: a perfect ranking
  { echo "customer_id,churn_90d"; cat "$WORK/labels.csv"; } >"$WORK/perfect.csv"
  ev "$WORK/perfect.csv" | "$PY" -c "
import json, sys
j = json.load(sys.stdin); me = j['rows'][0]
assert me['name'] == 'yours' and me['auc']['value'] == 1, me['auc']
assert me['brier']['value'] == 0, me['brier']" || fail "labels as predictions: AUC is not 1"
  ok "the labels as predictions: AUC 1, Brier 0"
  # the order of the rows does not matter; the other header and gzip are accepted
  { echo "customer_id,prediction"; tail -n +2 "$WORK/const.csv" | awk 'BEGIN{srand(3)} {print rand() "\t" $0}' \
    | sort -k1,1 | cut -f2; } >"$WORK/shuffled.csv"
  # mix the constant with per-customer values so the order would matter if misaligned
  awk -F, 'NR == 1 { print; next } { printf "%s,%.3f\n", $1, ($1 % 7) / 10 }' "$WORK/const.csv" >"$WORK/vary.csv"
  { head -1 "$WORK/vary.csv" | sed 's/churn_90d/prediction/'; tail -n +2 "$WORK/vary.csv" | tac; } >"$WORK/vary_rev.csv"
  gzip -c "$WORK/vary.csv" >"$WORK/vary.csv.gz"
  cmp -s "$WORK/shuffled.csv" "$WORK/const.csv" && fail "shuffle did nothing"
  metrics() { "$PY" -c "
import json, sys
j = json.load(open(sys.argv[1]))
for r in j['rows']: r.pop('file')
print(json.dumps(j, sort_keys=True))" "$1"; }
  ev "$WORK/shuffled.csv" >"$WORK/shuffled.json" || fail "evaluate shuffled, customer_id,prediction header"
  [ "$(metrics "$WORK/shuffled.json")" = "$(metrics "$WORK/const.json")" ] || fail "shuffled rows give other metrics"
  ev "$WORK/vary.csv" >"$WORK/vary.json" || fail "evaluate vary.csv"
  ev "$WORK/vary_rev.csv" >"$WORK/vary_rev.json" || fail "evaluate reversed rows"
  ev "$WORK/vary.csv.gz" >"$WORK/vary_gz.json" || fail "evaluate .csv.gz predictions"
  [ "$(metrics "$WORK/vary.json")" = "$(metrics "$WORK/vary_rev.json")" ] || fail "reversed rows give other metrics"
  [ "$(metrics "$WORK/vary.json")" = "$(metrics "$WORK/vary_gz.json")" ] || fail ".csv.gz gives other metrics"
  [ "$(metrics "$WORK/vary.json")" != "$(metrics "$WORK/const.json")" ] || fail "other predictions, same metrics"
  ok "shuffled rows: same metrics; customer_id,prediction header and .csv.gz accepted"
  # the table output and -o
  "$BIN" evaluate "$WORK/const.csv" --dataset "$D" --task churn_90d -o "$WORK/out.txt" || fail "evaluate -o"
  grep -q "^yours  *0.5000" "$WORK/out.txt" || fail "table output: $(cat "$WORK/out.txt")"
  ok "table output to -o"

  # a non-contractual release: the oracle beats the baseline
  E=$WORK/ec
  gen "$ECOM" --sf 0.2 "${SMALL[@]}" --format csv -o "$E"
  ev "$E/reference/purchases_holdout/baseline.csv.gz" purchases_holdout "$E" >"$WORK/ec.json" \
    || fail "evaluate of the baseline file"
  "$PY" - "$WORK/ec.json" <<'PY' || fail "purchases_holdout: the oracle does not beat the baseline"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["kind"] == "count", j["kind"]
r = {x["name"]: x for x in j["rows"]}
# "yours" is the baseline file itself
assert r["yours"]["mae"] == r["baseline"]["mae"], (r["yours"]["mae"], r["baseline"]["mae"])
o, b = r["oracle"], r["baseline"]
assert o["mae"]["value"] < b["mae"]["value"], (o["mae"], b["mae"])
assert o["rmse"]["value"] < b["rmse"]["value"], (o["rmse"], b["rmse"])
a = o["aggregate_error"]
assert a["ci_low"] <= 0 <= a["ci_high"], a
print("ok: purchases_holdout: oracle MAE %.4f < baseline %.4f; oracle total error %+.4f [%+.4f, %+.4f]"
      % (o["mae"]["value"], b["mae"]["value"], a["value"], a["ci_low"], a["ci_high"]))
PY

  # bad predictions: non-zero, the file (and line) named, and what is wrong
  bad() {  # NAME FRAGMENT [TASK [DATASET]]  (the file is $WORK/NAME)
    local out
    out=$("$BIN" evaluate "$WORK/$1" --dataset "${4:-$D}" --task "${3:-churn_90d}" --bootstrap 0 2>&1) \
      && fail "$1 accepted: $out"
    grep -qF -- "$2" <<<"$out" || fail "$1: expected '$2' in: $out"
    echo "ok: $1: $(tail -1 <<<"$out" | cut -c1-150)"
  }
  n=$(wc -l <"$WORK/const.csv")
  { cat "$WORK/const.csv"; echo "999999999,0.1"; } >"$WORK/unknown.csv"
  bad unknown.csv "unknown.csv:$((n + 1)): customer_id 999999999 is not a customer of task churn_90d"
  head -n -3 "$WORK/const.csv" >"$WORK/missing.csv"
  bad missing.csv "missing.csv: 3 of the task's $((n - 1)) customers have no prediction"
  first=$(sed -n 2p "$WORK/const.csv")
  { cat "$WORK/const.csv"; echo "$first"; } >"$WORK/dup.csv"
  bad dup.csv "dup.csv:$((n + 1)): customer_id ${first%,*} appears twice (first at line 2)"
  sed '5s/,0.1$/,1.5/' "$WORK/const.csv" >"$WORK/prob.csv"
  bad prob.csv "prob.csv:5: prediction 1.5 is not a probability"
  sed '6s/,0.1$/,NaN/' "$WORK/const.csv" >"$WORK/nan.csv"
  bad nan.csv "nan.csv:6: prediction NaN is not finite"
  sed '7s/,0.1$/,abc/' "$WORK/const.csv" >"$WORK/abc.csv"
  bad abc.csv "abc.csv:7: prediction 'abc' is not a number"
  sed '1s/churn_90d/upgrade_90d/' "$WORK/const.csv" >"$WORK/other_task.csv"
  bad other_task.csv "other_task.csv:1: this file predicts upgrade_90d, not churn_90d"
  { echo "# dataset_id: 0000000000000000"; cat "$WORK/const.csv"; } >"$WORK/other_id.csv"
  bad other_id.csv "other_id.csv:1: predictions for dataset 0000000000000000"
  did=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['dataset_id'])" "$D/manifest.json")
  { echo "# dataset_id: $did"; cat "$WORK/const.csv"; } >"$WORK/same_id.csv"
  "$BIN" evaluate "$WORK/same_id.csv" --dataset "$D" --task churn_90d --bootstrap 0 >/dev/null \
    || fail "a comment naming this dataset's id refused"
  bad const.csv "--task nonsense: this dataset's tasks are churn_90d, upgrade_90d" nonsense
  { echo "customer_id,purchases_holdout"; for f in "$E/tasks/purchases_holdout"/part-*.csv.gz; do zcat "$f" | tail -n +2; done \
    | awk '{ print $0 "," (NR == 4 ? -1 : 1) }'; } >"$WORK/negative.csv"
  bad negative.csv "negative.csv:5: prediction -1 is negative" purchases_holdout "$E"
  # the baseline of another release (another seed) against this one
  gen "$ECOM" --sf 0.2 "${SMALL[@]}" --format csv --seed 99 -o "$WORK/ec99"
  cp "$WORK/ec99/reference/purchases_holdout/baseline.csv.gz" "$WORK/baseline99.csv.gz"
  out=$("$BIN" evaluate "$WORK/baseline99.csv.gz" --dataset "$E" --task purchases_holdout 2>&1) \
    && fail "the baseline of another release accepted: $out"
  grep -Eq "baseline99.csv.gz(:[0-9]+: customer_id [0-9]+ is not a customer of task purchases_holdout| .* have no prediction)" <<<"$out" \
    || fail "another release's baseline: $out"
  echo "ok: another release's baseline: $(cut -c1-150 <<<"$out")"
  ;;
errors)
  S=("$ECOM" "${SMALL[@]}")
  refuse() {  # FRAGMENT ARGS...: exits non-zero, says FRAGMENT, writes no release
    local frag=$1 out
    shift
    rm -rf "$WORK/e"
    out=$("$BIN" dataset "$@" 2>&1) && fail "accepted: dataset $*"
    grep -qF -- "$frag" <<<"$out" || fail "dataset $*: expected '$frag' in: $out"
    [ -e "$WORK/e/manifest.json" ] && fail "dataset $*: wrote a manifest"
    echo "ok: $(head -1 <<<"$out" | cut -c1-150)"
  }
  refuse "--scale-factor: expected a number in [0.001, 100000], found 0" "${S[@]}" --sf 0 -o "$WORK/e"
  refuse "--scale-factor: expected a number in [0.001, 100000], found 1e+09" "${S[@]}" --sf 1e9 -o "$WORK/e"
  refuse "--scale-factor = abc" "${S[@]}" --sf abc -o "$WORK/e"
  refuse "--partitions: Value 0 not in range" "${S[@]}" --sf 0.3 --partitions 0 -o "$WORK/e"
  refuse "--partitions: expected 1..6 (each partition holds whole markets; this scale factor has 6), found 7" \
    "${S[@]}" --sf 0.3 --partitions 7 -o "$WORK/e"
  for p in 0/3 4/3 1/-1 1/0 x 2; do
    refuse "--part: expected k/N with 1 <= k <= N, got '$p'" "${S[@]}" --sf 0.3 --part "$p" -o "$WORK/e"
  done
  refuse "--part: N = 5 machines for 4 partitions; use --partitions >= N" "${S[@]}" --sf 0.2 --part 1/5 -o "$WORK/e"
  refuse "--holdout-days: expected at least 90" "${S[@]}" --sf 0.1 --holdout-days 30 -o "$WORK/e"
  refuse "--format: 'xml' is not one of hdf5, csv, both" "${S[@]}" --sf 0.1 --format xml -o "$WORK/e"
  refuse "give -o DIR" "${S[@]}" --sf 0.1
  refuse "$WORK/none.yaml" "$WORK/none.yaml" --sf 0.1 -o "$WORK/e"
  sed 's/^customers: 60000$/customrs: 10/' "$ECOM" >"$WORK/typo.yaml"
  grep -q '^customrs: 10$' "$WORK/typo.yaml" || fail "typo.yaml: the scenario's customers line changed"
  line=$(grep -n '^customrs:' "$WORK/typo.yaml" | cut -d: -f1)
  refuse "typo.yaml:$line:1: customrs: unknown key (did you mean 'customers'?)" "$WORK/typo.yaml" --sf 0.1 -o "$WORK/e"
  # finish with 1 part of 3: rc 0, names the missing partitions, no manifest
  gen "${S[@]}" --sf 0.3 --partitions 3 --part 1/3 -o "$WORK/p13"
  out=$("$BIN" dataset finish "$WORK/p13" 2>&1) || fail "finish of 1 part of 3: rc $?: $out"
  grep -qF "2 of 3 partitions not generated yet (2, 3)" <<<"$out" || fail "finish of 1/3: $out"
  [ -e "$WORK/p13/manifest.json" ] && fail "finish of 1 part of 3 wrote a manifest"
  [ -e "$WORK/p13/DATASHEET.md" ] && fail "finish of 1 part of 3 wrote a datasheet"
  ok "finish of 1 part of 3: $out"
  # parts of two releases (seeds 1 and 2) in one directory
  gen "${S[@]}" --sf 0.1 --seed 1 --part 1/2 -o "$WORK/two"
  out=$("$BIN" dataset "${S[@]}" --sf 0.1 --seed 2 --part 2/2 -o "$WORK/two" -q 2>&1) \
    && fail "part 2/2 of another seed completed a release: $out"
  grep -q "records of two different datasets" <<<"$out" || fail "two releases (automatic finish): $out"
  out=$("$BIN" dataset finish "$WORK/two" 2>&1) && fail "finish of two releases' parts accepted: $out"
  grep -Eq "two/parts: records of two different datasets \([0-9a-f]{16} and [0-9a-f]{16}\)" <<<"$out" \
    || fail "two releases (finish): $out"
  [ -e "$WORK/two/manifest.json" ] && fail "parts of two releases made a manifest"
  ok "two releases in one directory: $out"
  ;;
interrupt)
  # SF 3 in 60 markets of 5,000 (about 5-15 s on 2 cores), 6 partitions; if it finishes before
  # the signal (a fast machine), again at SF 10.
  killed=
  for sf in 3 10; do
    D=$WORK/big$sf
    "$BIN" dataset "$ECOM" --sf $sf "${SMALL[@]}" --partitions 6 -o "$D" -q 2>"$WORK/int.err" &
    pid=$!
    # at least 1.5 s, and until a partition's event log is whole (at most 10 s)
    sleep 1.5
    for _ in $(seq 85); do
      ls "$D/events/" 2>/dev/null | grep -q '\.h5$' && break
      sleep 0.1
    done
    if kill -TERM $pid 2>/dev/null; then
      wait $pid
      rc=$?
      killed=1
      break
    fi
    wait $pid
    echo "SF $sf finished before the signal; again at a larger scale factor"
  done
  [ -n "$killed" ] || fail "the generation always finished before SIGTERM"
  [ $rc -eq 130 ] || [ $rc -eq 143 ] || fail "rc $rc after SIGTERM (expected 130): $(cat "$WORK/int.err")"
  [ $rc -eq 130 ] && { grep -q "interrupted" "$WORK/int.err" || fail "no 'interrupted' message: $(cat "$WORK/int.err")"; }
  left=$(find "$D" -name '*.tmp-*')
  [ -z "$left" ] || fail "temporary files left after SIGTERM: $left"
  [ -e "$D/manifest.json" ] && fail "an interrupted run wrote manifest.json"
  [ -e "$D/DATASHEET.md" ] && fail "an interrupted run wrote DATASHEET.md"
  # what is under a final name is whole
  n=0
  while read -r f; do
    case "$f" in
    *.h5) h5dump -H "$f" >/dev/null 2>&1 || fail "$f is not a whole HDF5 file" ;;
    *.csv.gz) gzip -t "$f" 2>/dev/null || fail "$f is not a whole gzip file" ;;
    esac
    n=$((n + 1))
  done < <(find "$D" -type f \( -name '*.h5' -o -name '*.csv.gz' \))
  ok "SIGTERM: rc $rc, no temporary file, no manifest; the $n files left are whole"
  ;;
*)
  fail "unknown case $CASE"
  ;;
esac
echo "PASS $CASE"
