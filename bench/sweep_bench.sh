#!/usr/bin/env bash
# Sweep throughput and overhead (figures in bench/RESULTS.md, "Sweeps").
#   bench/sweep_bench.sh [BUILD_DIR] [RUNS]
# 1. Per-task overhead: the same work as 1,000 tasks of one market (1,000 points x 1 replication)
#    and as ONE task of 1,000 markets (1 point), both simulated and scored in memory, 2 threads.
#    overhead per task = (t_small - t_big) x threads / 1000; both cores busy = CPU / wall.
# 2. Memory: peak RSS for 100 vs 10,000 points of the same small task.
# 3. MPI: 2 ranks x 1 thread vs 1 process x 2 threads on the 1,000-task sweep.
# Medians of RUNS (default 3) invocations.
set -euo pipefail
BUILD=${1:-build}
RUNS=${2:-3}
BIN=$(realpath "$BUILD/bin/journeysim")
SRC=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# sweep NAME POINTS MARKETS CUSTOMERS: a points design over the sales team (1..4 agents x 1..N)
sweep() {
  local name=$1 points=$2 markets=$3 customers=$4
  {
    echo "agents,close_hour"
    for ((i = 0; i < points; i++)); do echo "$((3 + i % 4)),$((16 + i % 7))"; done
  } >"$WORK/$name.csv"
  cat >"$WORK/$name.yaml" <<EOF
format_version: 1
name: $name
scenario: $SRC/scenarios/saas_b2b.yaml
seed: 1
replications: 1
markets: $markets
customers: $customers
days: 90
factors:
  - {name: agents, path: teams.sales.agents, levels: [3, 4, 5, 6]}
  - {name: close_hour, path: teams.sales.close_hour, range: [16, 22]}
design: {type: points, file: $name.csv}
kpis: [lead_response_time, conversion_rate, mrr, cac_fully_loaded, monthly_churn_rate, net_contribution]
EOF
}
# the one-task version: one point, 1,000 markets
big() {
  cat >"$WORK/big.yaml" <<EOF
format_version: 1
name: big
scenario: $SRC/scenarios/saas_b2b.yaml
seed: 1
replications: 1
markets: 1000
customers: 300
days: 90
factors:
  - {name: agents, path: teams.sales.agents, levels: [4]}
design: {type: full_factorial}
kpis: [lead_response_time, conversion_rate, mrr, cac_fully_loaded, monthly_churn_rate, net_contribution]
EOF
}
median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# time_run LABEL CMD...: wall s, user+sys s, peak RSS KB per run -> medians
time_run() {
  local label=$1
  shift
  local walls=() cpus=() rss=()
  for ((r = 0; r < RUNS; r++)); do
    /usr/bin/time -f "%e %U %S %M" -o "$WORK/t" "$@" >/dev/null 2>&1
    read -r w u s m <"$WORK/t"
    walls+=("$w")
    cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}')")
    rss+=("$m")
  done
  local W C M
  W=$(printf '%s\n' "${walls[@]}" | median)
  C=$(printf '%s\n' "${cpus[@]}" | median)
  M=$(printf '%s\n' "${rss[@]}" | median)
  printf '%-44s wall %6.2f s (runs: %s)  cpu %6.2f s  cpu/wall %.2f  peak RSS %6.0f MB\n' \
    "$label" "$W" "${walls[*]}" "$C" "$(awk -v c="$C" -v w="$W" 'BEGIN {print c / w}')" \
    "$(awk -v m="$M" 'BEGIN {print m / 1024}')"
  echo "$W" >"$WORK/last_wall"
}

cd "$WORK"
sweep small 1000 1 300
big
echo "== 1,000 tasks of 300 leads x 90 days vs 1 task of 1,000 such markets (2 threads)"
time_run "1 task x 1000 markets (--threads 2)" "$BIN" -q sweep big.yaml -o big.h5 --threads 2 --restart
t_big=$(cat last_wall)
time_run "1000 tasks x 1 market (--threads 2)" "$BIN" -q sweep small.yaml -o small.h5 --threads 2 --restart
t_small=$(cat last_wall)
time_run "1000 tasks x 1 market (--threads 1)" "$BIN" -q sweep small.yaml -o small1.h5 --threads 1 --restart
awk -v s="$t_small" -v b="$t_big" 'BEGIN {
  printf "tasks/s: %.0f (1000 tasks) vs %.0f (the same work as one task): ratio %.3f\n", 1000 / s, 1000 / b, b / s
  printf "overhead per task: %.2f ms of a thread ((t_small - t_big) x 2 threads / 1000)\n", (s - b) * 2 / 1000 * 1000 }'
"$BIN" sweep analyse small.h5 --format json --kpi mrr >/dev/null

echo "== memory: 100 vs 10,000 points (tasks of 100 leads x 90 days, 2 threads)"
sweep p100 100 1 100
sweep p10k 10000 1 100
time_run "100 points" "$BIN" -q sweep p100.yaml -o p100.h5 --threads 2 --restart
time_run "10,000 points" "$BIN" -q sweep p10k.yaml -o p10k.h5 --threads 2 --restart

if command -v mpirun >/dev/null; then
  echo "== MPI: 2 ranks x 1 thread vs 1 process x 2 threads (the 1,000-task sweep)"
  time_run "mpirun -n 2 --threads 1" mpirun -n 2 --oversubscribe --allow-run-as-root "$BIN" -q sweep small.yaml -o mpi.h5 --threads 1 --restart
  time_run "mpirun -n 3 --threads 1 (oversubscribed)" mpirun -n 3 --oversubscribe --allow-run-as-root "$BIN" -q sweep small.yaml -o mpi3.h5 --threads 1 --restart
fi
