#!/usr/bin/env bash
# End-to-end checks of `journeysim sweep`: the plan, determinism across threads, MPI ranks
# (real mpirun) and Slurm array parts, resume after kill -9, journals of another sweep refused,
# bad sweep files, analyse and export.
# Usage: sweep_test.sh JOURNEYSIM_BINARY SOURCE_DIR CASE
set -uo pipefail
BIN=$(realpath "$1")
SRC=$(realpath "$2")
CASE=$3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
SWEEP=$SRC/scenarios/sweeps/saas_b2b_sales.yaml

# Everything but /run (command line, threads, seconds per task) as text: equal text = equal data.
dump() {
  h5dump -g /meta -g /design -d /points -d /results -g /errors "$1" | sed 1d \
    || fail "h5dump cannot read $1"
}
same_results() {  # A B what
  dump "$1" >"$WORK/a.txt"
  dump "$2" >"$WORK/b.txt"
  cmp -s "$WORK/a.txt" "$WORK/b.txt" || { diff "$WORK/a.txt" "$WORK/b.txt" | head -20; fail "$3"; }
}
# A sweep of saas_b2b with tasks of TASK_CUSTOMERS leads, in $WORK.
small_sweep() {  # NAME CUSTOMERS REPLICATIONS [SEED [AGENT_LEVELS [DAYS]]]
  cat >"$WORK/$1.yaml" <<EOF
format_version: 1
name: $1
scenario: $SRC/scenarios/saas_b2b.yaml
seed: ${4:-7}
replications: $3
customers: $2
days: ${6:-120}
factors:
  - {name: agents, path: teams.sales.agents, levels: [${5:-1, 2, 4}]}
  - {name: close_hour, path: teams.sales.close_hour, range: [15, 23], count: 3}
design: {type: full_factorial}
kpis: [lead_response_time, conversion_rate, mrr, net_contribution]
EOF
  echo "$WORK/$1.yaml"
}

case "$CASE" in
plan)
  out=$("$BIN" sweep "$SWEEP" --plan) || fail "--plan exited non-zero"
  grep -q "full_factorial design, 18 points x 4 replications = 72 tasks" <<<"$out" || fail "plan: $out"
  [ "$(grep -c '^ *[0-9]' <<<"$out")" -eq 18 ] || fail "plan: not 18 rows"
  csv=$("$BIN" sweep "$SWEEP" --plan --format csv) || fail "--plan --format csv"
  [ "$(head -1 <<<"$csv")" = "point,sales_agents,close_hour,tips_delay_days" ] || fail "csv header: $(head -1 <<<"$csv")"
  [ "$(wc -l <<<"$csv")" -eq 19 ] || fail "csv rows"
  "$BIN" sweep "$SWEEP" --plan --format csv | cmp -s - <(echo "$csv") || fail "--plan not deterministic"
  out=$("$BIN" sweep "$SWEEP" --dry-run -o "$WORK/x.h5") || fail "--dry-run"
  grep -q "72 left" <<<"$out" || fail "dry-run: $out"
  [ -e "$WORK/x.h5" ] && fail "--dry-run wrote results"
  "$BIN" sweep --help | grep -q -- "--emit-slurm" || fail "sweep --help lacks --emit-slurm"
  "$BIN" --help | grep -q "^  sweep " || fail "--help does not list sweep"
  ;;
threads)
  S=$(small_sweep t 600 3)
  "$BIN" -q sweep "$S" -o "$WORK/t1.h5" --threads 1 || fail "threads 1"
  "$BIN" -q sweep "$S" -o "$WORK/t2.h5" --threads 2 || fail "threads 2"
  same_results "$WORK/t1.h5" "$WORK/t2.h5" "1 vs 2 threads differ"
  # a --journal folder of the user's keeps its other files after a successful run
  mkdir -p "$WORK/jd" && echo notes >"$WORK/jd/notes.txt"
  "$BIN" -q sweep "$S" -o "$WORK/t3.h5" --journal "$WORK/jd" || fail "--journal"
  [ -f "$WORK/jd/notes.txt" ] || fail "the user's file in the journal folder was removed"
  ls "$WORK/jd" | grep -q '\.jnl$' && fail "journal files left after success"
  [ -e "$WORK/t1.h5.journal" ] && fail "journal left after success"
  ls "$WORK" | grep -q tmp && fail "temporary file left behind"
  # the shipped sweep too, and the results are h5py-readable as a table
  "$BIN" -q sweep "$SWEEP" -o "$WORK/s.h5" || fail "shipped sweep"
  /usr/bin/python3 - "$WORK/s.h5" <<'PY' || fail "h5py cannot read the results"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
r, p = f["results"][:], f["points"][:]
assert len(r) == 72 and len(p) == 18, (len(r), len(p))
assert set(r.dtype.names) >= {"point", "replication", "status", "events", "conversion_rate", "mrr"}
assert list(p.dtype.names) == ["point", "sales_agents", "close_hour", "tips_delay_days"]
assert (r["point"] == np.repeat(np.arange(18), 4)).all() and (r["replication"] == np.tile(np.arange(4), 18)).all()
assert np.isfinite(r["mrr"]).all() and (r["events"] > 0).all()
assert b"saas_b2b" in f["meta/base_scenario"][()] and f["meta/seed"][()] == 20261207
print("h5py ok")
PY
  ;;
mpi)
  command -v mpirun >/dev/null || fail "mpirun not installed (scripts/install-deps installs openmpi-bin)"
  # Open MPI keeps its pools past MPI_Finalize: in the sanitizer build LeakSanitizer would report
  # them as leaks of the ranks (libmpi, its plugins); ours are checked by every other test
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
  S=$(small_sweep m 500 2)
  "$BIN" -q sweep "$S" -o "$WORK/ref.h5" --threads 2 || fail "reference run"
  for n in 1 2 3; do
    mpirun -n $n --oversubscribe --allow-run-as-root "$BIN" -q sweep "$S" -o "$WORK/mpi$n.h5" --threads 1 \
      >"$WORK/mpi$n.log" 2>&1 || { cat "$WORK/mpi$n.log"; fail "mpirun -n $n"; }
    same_results "$WORK/ref.h5" "$WORK/mpi$n.h5" "mpirun -n $n differs from the threads run"
    ranks=$(h5dump -d /run/ranks "$WORK/mpi$n.h5" | grep -o '(0): [0-9]*' | cut -d' ' -f2)
    [ "$ranks" = "$n" ] || fail "mpirun -n $n: /run/ranks is '$ranks'"
  done
  # every rank wrote a journal of its own (kept), and 3 ranks shared the 18 tasks
  mpirun -n 3 --oversubscribe --allow-run-as-root "$BIN" -q sweep "$S" -o "$WORK/k.h5" --threads 1 --keep-journal \
    >/dev/null 2>&1 || fail "mpirun --keep-journal"
  [ "$(ls "$WORK/k.h5.journal" | grep -c 'r0000[0-2].jnl')" -eq 3 ] || fail "not one journal per rank: $(ls "$WORK/k.h5.journal")"
  ;;
slurm)
  S=$(small_sweep sl 400 2)
  # the reference from the sweep's folder by a relative name, the parts by an absolute one: the
  # results must not depend on how the path was spelled
  (cd "$WORK" && "$BIN" -q sweep sl.yaml -o ref.h5 --threads 2) || fail "reference run"
  "$BIN" sweep "$S" --emit-slurm "$WORK/slurm" --array-parts 4 --throttle 2 --cpus-per-task 1 --time 00:10:00 \
    >"$WORK/emit.txt" || fail "--emit-slurm"
  script="$WORK/slurm/sweep.sbatch"
  [ -x "$script" ] || fail "no executable sweep.sbatch"
  grep -q '^#SBATCH --array=1-4%2$' "$script" || fail "array line: $(grep array "$script")"
  grep -q '^#SBATCH --cpus-per-task=1$' "$script" || fail "cpus-per-task"
  grep -q '^#SBATCH --time=00:10:00$' "$script" || fail "time"
  grep -q 'SLURM_CPUS_PER_TASK' "$script" || fail "threads from SLURM_CPUS_PER_TASK"
  bash -n "$script" || fail "the script is not valid bash"
  # run the array tasks here as Slurm would (out of order, the environment set), then merge
  for k in 3 1 4 2; do
    SLURM_ARRAY_TASK_ID=$k SLURM_CPUS_PER_TASK=1 JOURNEYSIM="$BIN" bash "$script" \
      >"$WORK/part$k.log" 2>&1 || { cat "$WORK/part$k.log"; fail "array task $k"; }
  done
  # a task run twice (resubmitted) skips what it did
  SLURM_ARRAY_TASK_ID=2 SLURM_CPUS_PER_TASK=1 JOURNEYSIM="$BIN" bash "$script" >/dev/null 2>&1 || fail "array task 2 again"
  "$BIN" sweep merge "$WORK/slurm" -o "$WORK/merged.h5" >"$WORK/merge.txt" 2>&1 || { cat "$WORK/merge.txt"; fail "merge"; }
  same_results "$WORK/ref.h5" "$WORK/merged.h5" "merged Slurm parts differ from the whole run"
  # --restart of one part discards that part's journal only
  before=$(ls "$WORK/slurm/journal" | grep -vc '^part-0001')
  "$BIN" -q sweep "$S" --part 1/4 --journal "$WORK/slurm/journal" --restart || fail "--restart of part 1"
  after=$(ls "$WORK/slurm/journal" | grep -vc '^part-0001')
  [ "$before" = "$after" ] || fail "--restart of part 1 touched other parts' journals ($before -> $after files)"
  # a merge with a part missing says so and writes nothing
  "$BIN" sweep "$S" --part 1/3 --journal "$WORK/p3" -q || fail "part 1/3"
  err=$("$BIN" sweep merge "$WORK/p3" -o "$WORK/bad.h5" 2>&1) && fail "merge of 1 part of 3 accepted"
  grep -q "tasks have no result in the journals" <<<"$err" || fail "merge message: $err"
  [ -e "$WORK/bad.h5" ] && fail "an incomplete merge wrote a file"
  ;;
resume)
  # 18 tasks of 60,000 leads over a year: about 3 s on 2 threads; killed once tasks are done
  S=$(small_sweep r 60000 2 7 "20, 40, 80" 365)
  t0=$(date +%s.%N)
  "$BIN" -q sweep "$S" -o "$WORK/ref.h5" --threads 2 || fail "reference run"
  ref=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  at() { awk -v r="$ref" -v f="$1" 'BEGIN { printf "%.3f", r * f }'; }
  out="$WORK/res.h5"
  done_now() {  # tasks the journal holds (0 before it exists)
    local n
    n=$("$BIN" sweep "$S" --dry-run -o "$out" 2>/dev/null | sed -n 's/.*: \([0-9]*\) done.*/\1/p')
    echo "${n:-0}"
  }
  # Runs the sweep in the background ("$@": more options) and kill -9s it once the journal holds
  # more than $1 tasks, polled. (Kills at fractions of the reference time failed on a loaded
  # machine: the reference ran faster than the runs after it, and no task was done yet.)
  kill_after() {
    local before=$1 pid
    shift
    "$BIN" -q sweep "$S" -o "$out" --threads 2 "$@" &
    pid=$!
    while kill -0 $pid 2>/dev/null && [ "$(done_now)" -le "$before" ]; do sleep 0.05; done
    kill -9 $pid 2>/dev/null || fail "the sweep finished before the kill (reference took $ref s)"
    wait $pid 2>/dev/null
  }
  kill_after 0
  [ -e "$out" ] && fail "a killed sweep left a results file"
  [ -d "$out.journal" ] || fail "no journal after kill -9"
  # without --resume the journal is not silently overwritten
  err=$("$BIN" -q sweep "$S" -o "$out" --threads 2 2>&1) && fail "an existing journal was ignored"
  grep -q "give --resume" <<<"$err" || fail "message: $err"
  # killed again during the resume: at the very start, and each time after one more task
  "$BIN" -q sweep "$S" -o "$out" --threads 2 --resume &
  pid=$!
  sleep "$(at 0.02)"
  kill -9 $pid
  wait $pid 2>/dev/null
  for k in 1 2; do kill_after "$(done_now)" --resume; done
  left=$("$BIN" sweep "$S" --dry-run -o "$out" | grep journal)
  grep -q "done" <<<"$left" || fail "dry-run: $left"
  done_n=$(sed 's/.*: \([0-9]*\) done.*/\1/' <<<"$left")
  [ "$done_n" -gt 0 ] && [ "$done_n" -lt 18 ] || fail "expected some tasks done after the kills: $left"
  "$BIN" -q sweep "$S" -o "$out" --threads 1 --resume || fail "final resume"
  same_results "$WORK/ref.h5" "$out" "resumed results differ from an uninterrupted run"
  # a journal of a different sweep (another seed) is refused
  "$BIN" -q sweep "$S" -o "$WORK/j.h5" --part 1/2 --journal "$WORK/j" || fail "part run"
  S2=$(small_sweep r2 6000 2 8)
  err=$("$BIN" -q sweep "$S2" -o "$WORK/j.h5" --journal "$WORK/j" --resume 2>&1) && fail "a journal of another sweep was accepted"
  grep -q "belongs to a different sweep" <<<"$err" || fail "message: $err"
  "$BIN" -q sweep "$S2" -o "$WORK/j2.h5" --journal "$WORK/j" --restart || fail "--restart"
  [ -e "$WORK/j2.h5" ] || fail "--restart wrote no results"
  ;;
errors)
  cd "$SRC/tests/sweep_errors" || fail "no tests/sweep_errors"
  n=0
  for f in *.yaml; do
    out=$("$BIN" sweep "$f" --plan 2>&1) && fail "$f accepted"
    [ $? -eq 1 ] || true
    grep -q '^# expect: ' "$f" || fail "$f has no '# expect:' line"
    while IFS= read -r line; do
      e=${line#\# expect: }
      grep -qF -- "$e" <<<"$out" || fail "$f: expected '$e', got: $out"
    done < <(grep '^# expect: ' "$f")
    n=$((n + 1))
  done
  [ $n -ge 10 ] || fail "only $n bad sweep files"
  echo "$n bad sweep files give their messages"
  ;;
analyse)
  "$BIN" -q sweep "$SWEEP" -o "$WORK/s.h5" || fail "sweep"
  out=$("$BIN" sweep analyse "$WORK/s.h5" --maximise net_contribution) || fail "analyse"
  grep -q "^best point for maximising net_contribution: point" <<<"$out" || fail "no best point: $out"
  grep -q "two-factor interactions" <<<"$out" || fail "no interactions for a factorial: $out"
  "$BIN" sweep analyse "$WORK/s.h5" --format json | /usr/bin/python3 -c '
import json, sys
a = json.load(sys.stdin)
assert a["design"] == "full_factorial" and len(a["points"]) == 18
k = {x["id"]: x for x in a["kpis"]}
lrt = k["lead_response_time"]
# the sales team is what moves lead response; the email delay does not
assert lrt["ranking"][0]["factor"] in ("sales_agents", "close_hour"), lrt["ranking"]
assert lrt["ranking"][-1]["factor"] == "tips_delay_days", lrt["ranking"]
assert all(len(x["points"]) == 18 for x in a["kpis"])
' || fail "analyse json"
  csv=$("$BIN" sweep analyse "$WORK/s.h5" --format csv --kpi mrr) || fail "analyse csv"
  [ "$(head -1 <<<"$csv")" = "kpi,point,sales_agents,close_hour,tips_delay_days,mean,ci_low,ci_high,replications" ] || fail "csv header"
  [ "$(wc -l <<<"$csv")" -eq 19 ] || fail "csv rows"
  # the tidy table for pandas/R
  "$BIN" -q export "$WORK/s.h5" --csv "$WORK/csv" || fail "export --csv"
  [ "$(head -1 "$WORK/csv/results.csv" | cut -d, -f1-8)" = "point,replication,sales_agents,close_hour,tips_delay_days,status,events,seconds" ] \
    || fail "results.csv header: $(head -1 "$WORK/csv/results.csv")"
  [ "$(wc -l <"$WORK/csv/results.csv")" -eq 73 ] || fail "results.csv rows"
  [ "$(wc -l <"$WORK/csv/points.csv")" -eq 19 ] || fail "points.csv rows"
  err=$("$BIN" sweep analyse "$WORK/s.h5" --kpi no_such_kpi 2>&1) && fail "unknown KPI accepted"
  grep -q "no KPI 'no_such_kpi'" <<<"$err" || fail "message: $err"
  ;;
*)
  fail "unknown case $CASE"
  ;;
esac
echo "ok: sweep $CASE"
