#!/usr/bin/env bash
# Dataset throughput (figures in bench/RESULTS.md, "Datasets").
#   bench/dataset_bench.sh [BUILD_DIR] [RUNS] [SCALE_FACTORS]
# For each scale factor of scenarios/ecommerce_d2c.yaml (default "1 10"):
#  - `run` of the same markets and compression (deflate:4) to HDF5, and with --discard (the
#    simulation alone);
#  - `dataset --format hdf5` and `--format csv`: the generation's own time (its "time" line: every
#    partition written and checksummed, before the reference fit), the whole command's wall and
#    CPU time and peak RSS;
#  - the bare cost of the csv.gz: every CSV table of the release, decompressed, compressed again
#    with libdeflate at the same level in the same 1 MiB members (build/bin/gzip_bare).
# Medians of RUNS (default 3) invocations; both formats on 2 threads (all cores).
set -euo pipefail
BUILD=${1:-build}
RUNS=${2:-3}
SFS=${3:-"1 10"}
BIN=$(realpath "$BUILD/bin/journeysim")
BARE=$(realpath "$BUILD/bin/gzip_bare")
SRC=$(cd "$(dirname "$0")/.." && pwd)
SC=$SRC/scenarios/ecommerce_d2c.yaml
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# timed OUT CMD...: wall, user+sys and peak RSS of CMD into OUT.time, its stdout into OUT.out
timed() {
  local out=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$out.time" "$@" >"$out.out" 2>/dev/null
}

printf '%-5s %-22s %9s %9s %9s %9s %10s %9s\n' SF what "gen s" "wall s" "CPU s" "M ev/s" "peak MB" "MB out"
for sf in $SFS; do
  # the dataset's plan (dataset/scale.cpp): markets = max(1, round(SF x 100,000 / 60,000))
  markets=$(/usr/bin/python3 -c "import math; print(max(1, math.floor($sf * 100000 / 60000 + 0.5)))")
  customers=$(/usr/bin/python3 -c "print(repr($sf * 100000 / $markets))")
  for what in run discard hdf5 csv; do
    gens=() walls=() cpus=() rss=() evs=()
    for ((r = 0; r < RUNS; r++)); do
      rm -rf "$WORK/ds" "$WORK/r.h5"
      case $what in
      run) timed "$WORK/t" "$BIN" run "$SC" --markets "$markets" --customers "$customers" -o "$WORK/r.h5"
        gen=$(awk '/^events/ {print $4}' "$WORK/t.out"); ev=$(awk '/^events/ {print $2}' "$WORK/t.out")
        out=$(du -m "$WORK/r.h5" | cut -f1) ;;
      discard) timed "$WORK/t" "$BIN" run "$SC" --markets "$markets" --customers "$customers" --discard
        gen=$(awk '/^events/ {print $4}' "$WORK/t.out"); ev=$(awk '/^events/ {print $2}' "$WORK/t.out"); out=0 ;;
      hdf5 | csv) timed "$WORK/t" "$BIN" dataset "$SC" --sf "$sf" --format "$what" -o "$WORK/ds"
        gen=$(awk '/^time/ {print $2}' "$WORK/t.out")
        ev=$(awk '/^generated/ {gsub(/\(/, "", $11); print $11}' "$WORK/t.out")
        out=$(du -sm "$WORK/ds" | cut -f1) ;;
      esac
      read -r wall user sys kb <"$WORK/t.time"
      gens+=("$gen") walls+=("$wall") cpus+=("$(echo "$user + $sys" | bc)") rss+=("$kb") evs+=("$ev")
    done
    g=$(printf '%s\n' "${gens[@]}" | median)
    printf '%-5s %-22s %9.2f %9.2f %9.2f %9.2f %10.0f %9s\n' "$sf" "$what" "$g" \
      "$(printf '%s\n' "${walls[@]}" | median)" "$(printf '%s\n' "${cpus[@]}" | median)" \
      "$(echo "${evs[0]} / $g / 1000000" | bc -l)" "$(echo "$(printf '%s\n' "${rss[@]}" | median) / 1024" | bc -l)" "$out"
  done
  # the bare cost of the csv.gz bytes: the release's CSV text, compressed again alone
  for f in $(find "$WORK/ds" -name '*.csv.gz' -not -path '*/reference/*' | sort); do zcat "$f"; done >"$WORK/all.csv"
  echo "      bare libdeflate level 4 on the release's $(du -m "$WORK/all.csv" | cut -f1) MB of CSV text:"
  "$BARE" "$WORK/all.csv" 4 "$RUNS" | sed 's/^/        /'
  rm -f "$WORK/all.csv"
done
