#!/bin/bash
# One market of N customers of the minimal model (#18), binaries interleaved: each run alternates
# the given binaries, so they share the machine's state (this host's memory swings between warm
# and cold). Prints each run's events/s (as `journeysim run` reports it) and the medians.
#
#   bench/one_market.sh RUNS "N..." "THREADS..." BINARY...
#   bench/one_market.sh 3 "10000 100000 300000 1000000" "1 2" old/journeysim build/bin/journeysim
set -euo pipefail
[ $# -ge 4 ] || { sed -n 2,7p "$0" >&2; exit 2; }
RUNS=$1; NS=$2; TS=$3; shift 3
cd "$(dirname "$0")/.."
declare -A res
for r in $(seq "$RUNS"); do
  for n in $NS; do for t in $TS; do for b in "$@"; do
    v=$("$b" run bench/peers/minimal_app.yaml --customers "$n" --threads "$t" --discard 2>&1 |
        grep -oE "\([0-9.]+ M events/s" | grep -oE "[0-9.]+")
    res[$n,$t,$b]="${res[$n,$t,$b]:-} $v"
    echo "run $r customers=$n threads=$t $b: $v M events/s"
  done; done; done
done
for n in $NS; do for t in $TS; do for b in "$@"; do
  med=$(echo ${res[$n,$t,$b]} | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  echo "median customers=$n threads=$t $b: $med M events/s (${res[$n,$t,$b]} )"
done; done; done
