#!/usr/bin/env bash
# End-to-end checks of the journeysim program: exit codes, messages, atomic output, interop.
# Usage: cli_test.sh JOURNEYSIM_BINARY SOURCE_DIR CASE
set -uo pipefail
BIN=$1
SRC=$2
CASE=$3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

case "$CASE" in
help)
  out=$("$BIN" --help) || fail "--help exited non-zero"
  for c in validate run export score kpis survival clv; do grep -q "^  $c " <<<"$out" || fail "--help does not list $c"; done
  "$BIN" run --help | grep -q -- "--part" || fail "run --help lacks --part"
  ;;
validate)
  "$BIN" validate "$SRC"/scenarios/*.yaml "$SRC"/bench/peers/*.yaml >/dev/null || fail "shipped scenarios do not validate"
  sed 's/^horizon_days:/horizon_dayz:/' "$SRC/scenarios/saas_b2b.yaml" >"$WORK/bad.yaml"
  line=$(grep -n '^horizon_dayz:' "$WORK/bad.yaml" | cut -d: -f1)
  err=$("$BIN" validate "$WORK/bad.yaml" 2>&1) && fail "bad scenario accepted"
  grep -q "bad.yaml:$line:1: horizon_dayz: unknown key (did you mean 'horizon_days'?)" <<<"$err" || fail "message: $err"
  # a typo in a required key is pointed out where the key is missing
  sed 's/^channels:/channel:/' "$SRC/scenarios/saas_b2b.yaml" >"$WORK/bad2.yaml"
  err=$("$BIN" validate "$WORK/bad2.yaml" 2>&1) && fail "bad scenario accepted"
  grep -q "channels: required key is missing.*'channel'" <<<"$err" || fail "message: $err"
  ;;
run)
  "$BIN" -q run "$SRC/scenarios/saas_b2b.yaml" --customers 2000 --days 90 -o "$WORK/a.h5" || fail "run failed"
  [ -s "$WORK/a.h5" ] || fail "no output"
  ls "$WORK" | grep -q tmp && fail "temporary file left behind"
  h5dump -H "$WORK/a.h5" >"$WORK/header.txt" || fail "h5dump cannot read the file"
  grep -q 'DATASET "time"' "$WORK/header.txt" || fail "h5dump: no /events/time"
  h5dump -d /meta/scenario_name "$WORK/a.h5" >"$WORK/name.txt" || fail "h5dump -d failed"
  grep -q saas_b2b "$WORK/name.txt" || fail "h5dump: no scenario name"
  if /usr/bin/python3 -c "import h5py" 2>/dev/null; then
    /usr/bin/python3 - "$WORK/a.h5" <<'PY' || fail "h5py cannot read the file"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
n = len(f["events/time"])
assert n > 1000 and all(len(f["events"][c]) == n for c in f["events"])
names = h5py.check_enum_dtype(f["events/type"].dtype)
assert names["churned"] >= 0 and "login" in names
assert b"customers: 2000" in f["meta/scenario_text"][()]
assert f["meta/seed"][()] == 20261122
print("h5py ok", n, "events")
PY
  fi
  # an LZ4 log (filter 32004) is read by h5dump and h5py through Debian's hdf5-filter-plugin,
  # and holds the same events as the deflate log
  "$BIN" -q run "$SRC/scenarios/saas_b2b.yaml" --customers 2000 --days 90 --compression lz4 -o "$WORK/l.h5" || fail "lz4 run failed"
  h5dump -H -p "$WORK/l.h5" >"$WORK/lz4header.txt" || fail "h5dump -H on the lz4 log"
  grep -q "FILTER_ID 32004" "$WORK/lz4header.txt" || fail "lz4 log: no filter 32004"
  # (without the plugin h5dump exits 0 and prints an empty DATA block: check the values)
  h5dump -d /events/time -c 3 "$WORK/l.h5" >"$WORK/lz4dump.txt" 2>&1 || fail "h5dump -d on the lz4 log"
  grep -q "(0): 17[0-9]*, 17" "$WORK/lz4dump.txt" || fail "h5dump cannot decode the lz4 log (is hdf5-filter-plugin installed?)"
  # (not h5diff: it exits 0 on datasets of different lengths, "not comparable")
  /usr/bin/python3 - "$WORK/a.h5" "$WORK/l.h5" <<'PY' || fail "h5py cannot read the lz4 log, or it differs"
import sys, h5py, numpy as np
a, l = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
for g in ("events", "customers"):
    for c in a[g]:
        assert np.array_equal(a[g][c][:], l[g][c][:]), (g, c)
print("h5py reads lz4 ok")
PY
  # deflate chunks written by HDF5's own filter (zlib, through h5repack) score the same as the
  # libdeflate chunks journeysim writes: the reader's decoder takes any zlib stream
  h5repack -f SHUF -f GZIP=6 -f FLET "$WORK/a.h5" "$WORK/z.h5" || fail "h5repack failed"
  h5dump -H -p -d /events/time "$WORK/z.h5" | grep -q "DEFLATE { LEVEL 6 }" || fail "h5repack did not deflate"
  "$BIN" score "$WORK/a.h5" --format csv >"$WORK/a.csv" || fail "score of the log failed"
  "$BIN" score "$WORK/z.h5" --format csv >"$WORK/z.csv" || fail "score of the repacked log failed"
  cmp -s "$WORK/a.csv" "$WORK/z.csv" || fail "the zlib-repacked log scores differently"
  # every chunk carries a checksum (format 2): a copy repacked without one is refused (#15)
  h5repack -f SHUF -f GZIP=6 "$WORK/a.h5" "$WORK/nf.h5" || fail "h5repack failed"
  err=$("$BIN" score "$WORK/nf.h5" 2>&1) && fail "a log without chunk checksums was scored"
  grep -q "nf.h5: .*no Fletcher32 checksum" <<<"$err" || fail "message: $err"
  "$BIN" score "$WORK/a.h5" --format json --kpi monthly_churn_rate,nps >"$WORK/score.json" || fail "score failed"
  grep -q '"id": "monthly_churn_rate"' "$WORK/score.json" || fail "score json lacks the KPI"
  "$BIN" score "$WORK/a.h5" --format table --kpi nps | grep -q "Net Promoter Score" || fail "score table"
  "$BIN" score "$WORK/a.h5" --write --format csv >/dev/null || fail "score --write failed"
  h5dump -d /kpi/id "$WORK/a.h5" >"$WORK/kpi.txt" || fail "no /kpi after --write"
  grep -q avg_customer_lifespan "$WORK/kpi.txt" || fail "/kpi/id lacks KPIs"
  "$BIN" survival "$WORK/a.h5" --by segment --format json >"$WORK/surv.json" || fail "survival on a log failed"
  grep -q '"logrank"' "$WORK/surv.json" || fail "survival json lacks the log-rank test"
  "$BIN" kpis | grep -q "^nps " || fail "kpis does not list nps"
  "$BIN" -q export "$WORK/a.h5" --csv "$WORK/csv" || fail "export failed"
  head -1 "$WORK/csv/events.csv" | grep -q '^time,customer,type' || fail "events.csv header"
  # --days says what happens to the daily arrival rate; --keep-rate keeps it (#16)
  err=$("$BIN" run "$SRC/scenarios/saas_b2b.yaml" --days 730 --discard 2>&1) || fail "run --days"
  grep -q "note: saas_b2b .*--days 730 replaces horizon_days 365; customers (20000) is a total over the horizon, so arrivals go from 54.79 a day to 27.4 a day" <<<"$err" || fail "--days note: $err"
  "$BIN" -q run "$SRC/scenarios/saas_b2b.yaml" --days 40 --keep-rate -o "$WORK/k.h5" || fail "run --keep-rate"
  /usr/bin/python3 -c "import h5py,sys; t=h5py.File(sys.argv[1])['meta/scenario_text'][()].decode(); assert 'customers: 2191.78082191780' in t, t[:300]" "$WORK/k.h5" || fail "--keep-rate: customers not scaled to 20000 x 40 / 365"
  err=$("$BIN" run "$SRC/scenarios/saas_b2b.yaml" --days 40 --keep-rate --set customers=5 --discard 2>&1) && fail "--keep-rate with customers accepted"
  grep -q "give one" <<<"$err" || fail "--keep-rate + customers: $err"
  err=$("$BIN" run "$SRC/scenarios/saas_b2b.yaml" --keep-rate --discard 2>&1) && fail "--keep-rate without --days accepted"
  grep -q "keep-rate goes with --days" <<<"$err" || fail "--keep-rate alone: $err"
  # --scale-teams scales every team's agents with the customers, and the log records it (#18):
  # (with --days 40 --keep-rate the customers are x40/365: 9 x 0.1096 rounds up to 1)
  err=$("$BIN" run "$SRC/scenarios/saas_b2b.yaml" --customers 30000 --days 60 --scale-teams -o "$WORK/st.h5" 2>&1) || fail "run --scale-teams: $err"
  grep -q "note: --scale-teams on .*saas_b2b.yaml: customers x1.5 (20000 to 30000), agents sales 9 to 14, success 3 to 5, support 2 to 3" <<<"$err" || fail "--scale-teams note: $err"
  /usr/bin/python3 -c "import h5py,sys; t=h5py.File(sys.argv[1])['meta/scenario_text'][()].decode(); assert 'agents: 14' in t and 'agents: 5' in t and 'agents: 3' in t, t" "$WORK/st.h5" || fail "--scale-teams: agents not in the recorded scenario"
  err=$("$BIN" run "$SRC/scenarios/saas_b2b.yaml" --days 40 --keep-rate --scale-teams --discard 2>&1) || fail "run --keep-rate --scale-teams: $err"
  grep -q "agents sales 9 to 1, success 3 to 1, support 2 to 1" <<<"$err" || fail "--scale-teams with --keep-rate: $err"
  # a --part file is scored on the replications it holds, not averaged with missing ones as
  # zeros, and a /meta/replications that its rows contradict is not trusted (#15)
  "$BIN" -q run "$SRC/scenarios/saas_b2b.yaml" --customers 1500 --days 45 --replications 3 --part 2/3 -o "$WORK/p2.h5" || fail "part run"
  "$BIN" -q run "$SRC/scenarios/saas_b2b.yaml" --customers 1500 --days 45 --first-replication 1 -o "$WORK/r1.h5" || fail "replication 1 run"
  "$BIN" score "$WORK/p2.h5" --format json >"$WORK/p2.json" || fail "score part"
  "$BIN" score "$WORK/r1.h5" --format json >"$WORK/r1.json" || fail "score r1"
  cp "$WORK/r1.h5" "$WORK/r65.h5"
  /usr/bin/python3 -c "import h5py,sys; f=h5py.File(sys.argv[1],'r+'); f['meta/replications'][()]=65" "$WORK/r65.h5" || fail "h5py edit"
  # an edited /meta no longer matches /meta/checksum: the file is refused as damaged (#15) ...
  err=$("$BIN" score "$WORK/r65.h5" 2>&1) && fail "a log with an edited /meta was scored"
  grep -q "r65.h5: /meta/checksum does not match" <<<"$err" || fail "message: $err"
  # ... and the digest, recomputed by an independent implementation of docs/event-log.md, is the
  # stored one; written back, the hand-edited log is consistent and its rows are still trusted
  read -r stored computed < <(/usr/bin/python3 "$SRC/tests/cli/eventlog_digest.py" "$WORK/r1.h5")
  [ "$stored" = "$computed" ] || fail "/meta/checksum $stored, docs/event-log.md's digest $computed"
  /usr/bin/python3 "$SRC/tests/cli/eventlog_digest.py" "$WORK/r65.h5" --write >/dev/null || fail "digest"
  "$BIN" score "$WORK/r65.h5" --format json >"$WORK/r65.json" || fail "score r65"
  /usr/bin/python3 - "$WORK" <<'PY' || fail "a part file was not scored on its own replications"
import json, sys
d = sys.argv[1]
p, r, b = (json.load(open(f"{d}/{n}.json")) for n in ("p2", "r1", "r65"))
val = lambda rep, k: [x["value"] for x in rep["kpis"] if x["id"] == k][0]
assert p["replications"] == 1 and p["replication_ids"] == [1] and "3 its /meta declares" in p["note"], p.get("note")
for k in ("impressions", "conversion_rate", "mrr"):
    assert val(p, k) == val(r, k), (k, val(p, k), val(r, k))
assert b["replications"] == 1 and "65 its /meta declares" in b["note"] and val(b, "mrr") == val(r, "mrr")
PY
  # a name with a comma and quotes is quoted, a time before 1970 is written (#15); two exports
  # into one directory at once use their own temporaries and both publish whole files
  "$BIN" -q run "$SRC/scenarios/saas_b2b.yaml" --customers 1000 --days 60 -o "$WORK/old.h5" \
    --set start_date=1965-03-01 --set 'channels.paid_search.name=web, "paid"' \
    || fail "run with an odd channel name"
  "$BIN" -q export "$WORK/old.h5" --csv "$WORK/oldcsv" & p1=$!
  "$BIN" -q export "$WORK/old.h5" --csv "$WORK/oldcsv" & p2=$!
  wait $p1 || fail "export 1"
  wait $p2 || fail "export 2"
  ls "$WORK/oldcsv" | grep -q tmp && fail "export left a temporary file"
  /usr/bin/python3 - "$WORK/oldcsv" <<'PY' || fail "exported CSV is malformed"
import csv, sys
d = sys.argv[1]
for name, cols in (("events.csv", 8), ("customers.csv", 13), ("channels.csv", 9)):
    rows = list(csv.reader(open(f"{d}/{name}", newline="")))
    assert all(len(r) == cols for r in rows), (name, [r for r in rows if len(r) != cols][:2])
ev = list(csv.DictReader(open(f"{d}/events.csv", newline="")))
assert all(r["time"].startswith("1965-") for r in ev), "a time before 1970 is empty or wrong"
assert any(r["arg_name"] == 'web, "paid"' for r in ev), "the quoted channel name did not round-trip"
PY
  ;;
errors)
  # one convention: --set overrides scenario keys, --kpi-param sets a KPI parameter; names looked
  # up get a "did you mean" (#16)
  "$BIN" -q run "$SRC/scenarios/saas_b2b.yaml" --customers 300 --days 30 -o "$WORK/k.h5" || fail "run k.h5"
  for cmd in "score $WORK/k.h5 --set clv.margin=0.5" "report $WORK/k.h5 -o $WORK/k.html --set clv.margin=0.5"; do
    err=$("$BIN" $cmd 2>&1) && fail "'$cmd' accepted"
    grep -q -- "--set overrides scenario keys (run, compare, benchmark); a KPI parameter is --kpi-param" <<<"$err" || fail "'$cmd': $err"
  done
  "$BIN" score "$WORK/k.h5" --kpi clv --kpi-param clv.margin=0.5 --format json >/dev/null || fail "score --kpi-param"
  err=$("$BIN" score "$WORK/k.h5" --kpi mrrr 2>&1) && fail "--kpi mrrr accepted"
  grep -q "unknown KPI 'mrrr' (did you mean 'mrr'?)" <<<"$err" || fail "score --kpi mrrr: $err"
  err=$("$BIN" score "$WORK/k.h5" --kpi-param clv.margn=0.5 2>&1) && fail "clv.margn accepted"
  grep -q "no parameter 'margn' (did you mean 'margin'?)" <<<"$err" || fail "--kpi-param clv.margn: $err"
  err=$("$BIN" compare "$SRC/scenarios/saas_b2b.yaml" "$SRC/scenarios/saas_b2b.yaml" --kpi conversion_rat 2>&1) && fail "compare --kpi conversion_rat accepted"
  grep -q "unknown KPI 'conversion_rat' (did you mean 'conversion_rate'?)" <<<"$err" || fail "compare --kpi: $err"
  err=$("$BIN" validate "$SRC/scenarios/saas_b2b.yaml" --set channels.paid_serch.cpm=1 2>&1) && fail "--set paid_serch accepted"
  grep -q "no list item named 'paid_serch' (did you mean 'paid_search'?)" <<<"$err" || fail "--set item: $err"
  # a choice among a few words (--by, --format, --correction, ...)
  err=$("$BIN" score "$WORK/k.h5" --by chanel 2>&1) && fail "score --by chanel accepted"
  grep -q "'chanel' is not one of channel, segment, plan, cohort, market (did you mean 'channel'?)" <<<"$err" || fail "--by: $err"
  err=$("$BIN" run "$SRC/scenarios/saas_b2b.yaml" -o "$WORK/x.h5" --part 3/2 2>&1) && fail "--part 3/2 accepted"
  grep -q "part" <<<"$err" || fail "message: $err"
  err=$("$BIN" run "$SRC/scenarios/saas_b2b.yaml" -o "$WORK/x.h5" --set churn.monthly_hazard=-1 2>&1) && fail "bad --set accepted"
  grep -q "churn.monthly_hazard" <<<"$err" || fail "message: $err"
  err=$("$BIN" run "$SRC/scenarios/saas_b2b.yaml" -o "$WORK/nodir/x.h5" 2>&1) && fail "unwritable output accepted"
  grep -q "nodir" <<<"$err" || fail "message: $err"
  err=$("$BIN" export "$WORK/missing.h5" --csv "$WORK/c" 2>&1) && fail "missing log accepted"
  grep -q "missing.h5" <<<"$err" || fail "message: $err"
  printf 'not hdf5' >"$WORK/fake.h5"
  err=$("$BIN" export "$WORK/fake.h5" --csv "$WORK/c" 2>&1) && fail "non-HDF5 accepted"
  grep -q "fake.h5" <<<"$err" || fail "message: $err"
  [ -e "$WORK/x.h5" ] && fail "output written despite errors"
  # output that cannot be written (a full disk behind `> file`) is an error, not rc 0 (#15)
  for cmd in "kpis" "validate $SRC/scenarios/saas_b2b.yaml" "survival --csv $SRC/data/Telco-Customer-Churn.csv --duration tenure --event Churn=Yes"; do
    err=$("$BIN" $cmd 2>&1 >/dev/full) && fail "'$cmd > /dev/full' returned 0"
    grep -q "cannot write to standard output" <<<"$err" || fail "'$cmd > /dev/full': $err"
  done
  # an output that is an input (by identity: a symlink too) or a device is refused, and the
  # input is left as it was (#15)
  cp "$SRC/scenarios/saas_b2b.yaml" "$WORK/X.yaml"
  "$BIN" -q run "$WORK/X.yaml" --customers 300 --days 20 -o "$WORK/L.h5" || fail "run for the output checks"
  ln -s "$WORK/L.h5" "$WORK/link.h5"
  sum_x=$(sha256sum <"$WORK/X.yaml") sum_l=$(sha256sum <"$WORK/L.h5")
  cp "$SRC/data/CDNOW_sample.txt" "$WORK/cd.txt"
  for cmd in "run $WORK/X.yaml -o $WORK/X.yaml" "report $WORK/L.h5 -o $WORK/L.h5" "report $WORK/L.h5 -o $WORK/link.h5" \
             "benchmark $WORK/L.h5 --baseline saas_b2b_smb -o $WORK/L.h5" \
             "clv $WORK/cd.txt --model bgnbd --input-format cdnow --calibration-end 1997-09-30 --predict $WORK/cd.txt"; do
    err=$("$BIN" $cmd 2>&1) && fail "'$cmd' accepted"
    grep -q "is an input of this command" <<<"$err" || fail "'$cmd': $err"
  done
  [ "$(sha256sum <"$WORK/X.yaml")" = "$sum_x" ] && [ "$(sha256sum <"$WORK/L.h5")" = "$sum_l" ] || fail "an input was changed"
  err=$("$BIN" run "$WORK/X.yaml" --customers 300 --days 20 -o /dev/null 2>&1) && fail "-o /dev/null accepted"
  grep -q "not a regular file" <<<"$err" || fail "-o /dev/null: $err"
  [ -c /dev/null ] || fail "/dev/null is no longer a device"
  # a full disk (a file-size limit, SIGXFSZ ignored: writes fail with EFBIG) is an error, with no
  # crash (HDF5's exit handler segfaulted on the half-closed file), no leftover, and score --write
  # leaves the log untouched; a symlinked log stays a symlink and keeps its mode (#15)
  (ulimit -f 300; trap '' XFSZ; "$BIN" -q run "$SRC/scenarios/saas_b2b.yaml" --customers 20000 -o "$WORK/full.h5" 2>"$WORK/full.err")
  rc=$?
  [ $rc -eq 1 ] || fail "run on a full disk: rc $rc ($(cat "$WORK/full.err"))"
  ls "$WORK" | grep -q "full.h5" && fail "run on a full disk left a file"
  "$BIN" -q run "$SRC/scenarios/saas_b2b.yaml" --customers 3000 --days 120 -o "$WORK/s.h5" || fail "run s.h5"
  chmod 600 "$WORK/s.h5"
  ln -s "$WORK/s.h5" "$WORK/s_link.h5"
  before=$(sha256sum <"$WORK/s.h5")
  # limits (KiB) under the log's size (the copy fails) and just over it (the /kpi writes fail)
  kib=$(( $(stat -c %s "$WORK/s.h5") / 1024 ))
  for lim in $((kib - 40)) $((kib + 15)); do
    (ulimit -f $lim; trap '' XFSZ; "$BIN" -q score "$WORK/s.h5" --write >/dev/null 2>"$WORK/w.err")
    rc=$?
    [ $rc -eq 1 ] || fail "score --write on a full disk (limit $lim): rc $rc"
    grep -q "the log is unchanged" "$WORK/w.err" || fail "score --write message: $(cat "$WORK/w.err")"
    [ "$(sha256sum <"$WORK/s.h5")" = "$before" ] || fail "score --write on a full disk changed the log"
    ls "$WORK" | grep -q "s.h5.tmp" && fail "score --write left a temporary"
  done
  "$BIN" -q score "$WORK/s_link.h5" --write >/dev/null || fail "score --write through a symlink"
  [ -L "$WORK/s_link.h5" ] || fail "score --write replaced the symlink"
  [ "$(stat -c %a "$WORK/s.h5")" = 600 ] || fail "score --write changed the log's mode"
  # whole-number options take whole numbers in range, and numbers are passed on as given (#15)
  for bad in "--part 1/-1" "--part 1/+2" "--seed -1" "--seed 9007199254740993" "--days 36500.4"; do
    err=$("$BIN" run "$SRC/scenarios/saas_b2b.yaml" --discard $bad 2>&1) && fail "'$bad' accepted"
    grep -qE "part|seed|horizon_days|Run with --help" <<<"$err" || fail "'$bad': $err"
  done
  "$BIN" -q run "$SRC/scenarios/saas_b2b.yaml" -o "$WORK/c.h5" --customers 1234.567 --days 30 || fail "--customers 1234.567"
  h5dump -d /meta/scenario_text "$WORK/c.h5" >"$WORK/c.txt" || fail "h5dump c.h5"
  grep -q "customers: 1234.567" "$WORK/c.txt" || fail "--customers was rounded"
  rm -f "$WORK/c.h5"
  # a device, a FIFO or a directory named as input is refused at once (#15: they blocked or read
  # until memory ran out); `timeout` turns a hang into a failure
  mkfifo "$WORK/fifo"
  for input in /dev/zero "$WORK/fifo" "$WORK"; do
    for cmd in "validate $input" "run $input --discard" "score $input" "score --csv $input --mapping telco" \
               "benchmark $SRC/scenarios/saas_b2b.yaml --baseline $input" "report $input -o $WORK/r.html" \
               "survival --csv $input --duration tenure --event Churn=Yes"; do
      err=$(timeout 20 "$BIN" $cmd 2>&1)
      rc=$?
      [ $rc -eq 124 ] && fail "'$cmd' hung"
      [ $rc -eq 0 ] && fail "'$cmd' accepted"
      grep -qE "not a regular file|is a directory|is actually a directory" <<<"$err" \
        || fail "'$cmd': $err"
    done
  done
  ;;
interrupt)
  "$BIN" -q run "$SRC/scenarios/saas_b2b.yaml" --markets 400 -o "$WORK/big.h5" &
  pid=$!
  sleep 2
  kill -INT $pid
  wait $pid
  rc=$?
  [ $rc -eq 130 ] || fail "exit code $rc after SIGINT (expected 130)"
  [ -e "$WORK/big.h5" ] && fail "interrupted run left an output file"
  ls "$WORK" | grep -q tmp && fail "interrupted run left a temporary file"
  # kill -9 leaves OUT.tmp-PID: the next run writing OUT removes it (its process is gone) (#15)
  "$BIN" -q run "$SRC/scenarios/saas_b2b.yaml" --markets 400 -o "$WORK/k.h5" &
  pid=$!
  sleep 2
  kill -9 $pid
  wait $pid 2>/dev/null
  ls "$WORK" | grep -q "k.h5.tmp-$pid" || fail "kill -9 left no temporary (the test needs one)"
  "$BIN" -q run "$SRC/scenarios/saas_b2b.yaml" --customers 300 --days 10 -o "$WORK/k.h5" || fail "rerun"
  ls "$WORK" | grep -q "k.h5.tmp-" && fail "the stale temporary of a dead run was not removed"
  # SIGTERM on a command without its own handler (export) removes its temporaries, status 143
  "$BIN" -q run "$SRC/scenarios/saas_b2b.yaml" --markets 30 -o "$WORK/e.h5" || fail "run e.h5"
  "$BIN" -q export "$WORK/e.h5" --csv "$WORK/ecsv" &
  pid=$!
  for _ in $(seq 50); do ls "$WORK/ecsv" 2>/dev/null | grep -q tmp && break; sleep 0.1; done
  kill -TERM $pid
  wait $pid
  rc=$?
  [ $rc -eq 143 ] || [ $rc -eq 0 ] || fail "export after SIGTERM: status $rc (expected 143)"
  ls "$WORK/ecsv" 2>/dev/null | grep -q tmp && fail "SIGTERM on export left a temporary file"
  # an output written again keeps its mode
  "$BIN" -q report "$WORK/k.h5" -o "$WORK/k.html" || fail "report"
  chmod 600 "$WORK/k.html"
  "$BIN" -q report "$WORK/k.h5" -o "$WORK/k.html" || fail "report again"
  [ "$(stat -c %a "$WORK/k.html")" = 600 ] || fail "overwriting a 0600 report changed its mode"
  ;;
corrupt)
  # One flipped bit anywhere in a log (chunks, metadata, names, HDF5's own structures), 200 times
  # per codec: an error naming the file or the very same answer, never another answer or a crash
  # (#15: 14 of 160 flipped logs were scored with different results, 2 crashed libhdf5).
  for c in deflate lz4 none; do
    "$BIN" -q run "$SRC/scenarios/saas_b2b.yaml" --customers 300 --days 60 --compression $c \
      -o "$WORK/$c.h5" || fail "run $c"
    /usr/bin/python3 "$SRC/tests/cli/flip_log.py" "$BIN" "$WORK/$c.h5" 200 $RANDOM || fail "$c: see above"
  done
  /usr/bin/python3 "$SRC/tests/cli/flip_log.py" "$BIN" "$WORK/lz4.h5" 100 $RANDOM export LOG \
    --csv "$WORK/csv" || fail "export: see above"
  ;;
*)
  fail "unknown case $CASE"
  ;;
esac
echo "ok $CASE"
