#!/usr/bin/env bash
# Dataset throughput (figures in bench/RESULTS.md, "Datasets").
#   bench/dataset_bench.sh [BUILD_DIR] [RUNS] [SCALE_FACTORS]
# For each scale factor of scenarios/ecommerce_d2c.yaml (default "1 10"):
#  - `run` of the same markets and compression (deflate:4) to HDF5, and with --discard (the
#    simulation alone);
#  - `dataset --format hdf5` and `--format csv`: the generation's own time (its "time" line: every
#    partition written and checksummed, before the reference fit), the whole command's wall time
#    and peak RSS, and the generation's CPU (the command's, less a second `dataset finish`'s);
#  - the bare cost of the csv.gz: every CSV table of the release, decompressed, compressed again
#    with libdeflate at the same level in the same 1 MiB members (build/bin/gzip_bare).
# Medians of RUNS (default 3) interleaved invocations; everything on 2 threads (all cores).
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

printf '%-5s %-9s %9s %9s %10s %9s %10s %8s\n' SF what "gen s" "wall s" "gen CPU s" "M ev/s" "peak MB" "MB out"
for sf in $SFS; do
  # the dataset's plan (dataset/scale.cpp): markets = max(1, round(SF x 100,000 / 60,000))
  markets=$(/usr/bin/python3 -c "import math; print(max(1, math.floor($sf * 100000 / 60000 + 0.5)))")
  customers=$(/usr/bin/python3 -c "print(repr($sf * 100000 / $markets))")
  declare -A gen wall cpu rss evs out
  for what in run discard hdf5 csv; do gen[$what]="" wall[$what]="" cpu[$what]="" rss[$what]=""; done
  # interleaved: run, discard, hdf5, csv, run, ... (the machine drifts between spells)
  for ((r = 0; r < RUNS; r++)); do
    for what in run discard hdf5 csv; do
      rm -rf "$WORK/ds" "$WORK/r.h5"
      fin=0
      case $what in
      run) timed "$WORK/t" "$BIN" run "$SC" --markets "$markets" --customers "$customers" -o "$WORK/r.h5"
        g=$(awk '/^events/ {print $4}' "$WORK/t.out"); evs[$what]=$(awk '/^events/ {print $2}' "$WORK/t.out")
        out[$what]=$(du -m "$WORK/r.h5" | cut -f1) ;;
      discard) timed "$WORK/t" "$BIN" run "$SC" --markets "$markets" --customers "$customers" --discard
        g=$(awk '/^events/ {print $4}' "$WORK/t.out"); evs[$what]=$(awk '/^events/ {print $2}' "$WORK/t.out")
        out[$what]=0 ;;
      hdf5 | csv) timed "$WORK/t" "$BIN" dataset "$SC" --sf "$sf" --format "$what" -o "$WORK/ds"
        g=$(awk '/^time/ {print $2}' "$WORK/t.out")
        evs[$what]=$(awk '/^generated/ {gsub(/\(/, "", $11); print $11}' "$WORK/t.out")
        out[$what]=$(du -sm "$WORK/ds" | cut -f1)
        # the reference fit and manifest again, alone: its CPU is taken off the generation's
        timed "$WORK/f" "$BIN" dataset finish "$WORK/ds" -q
        read -r _ fu fs _ <"$WORK/f.time"
        fin=$(echo "$fu + $fs" | bc) ;;
      esac
      read -r w u sy kb <"$WORK/t.time"
      gen[$what]+="$g " wall[$what]+="$w " cpu[$what]+="$(echo "$u + $sy - $fin" | bc) " rss[$what]+="$kb "
    done
  done
  for what in run discard hdf5 csv; do
    g=$(tr ' ' '\n' <<<"${gen[$what]}" | grep . | median)
    printf '%-5s %-9s %9.2f %9.2f %10.2f %9.2f %10.0f %8s   (gen s: %s)\n' "$sf" "$what" "$g" \
      "$(tr ' ' '\n' <<<"${wall[$what]}" | grep . | median)" \
      "$(tr ' ' '\n' <<<"${cpu[$what]}" | grep . | median)" \
      "$(echo "${evs[$what]} / $g / 1000000" | bc -l)" \
      "$(echo "$(tr ' ' '\n' <<<"${rss[$what]}" | grep . | median) / 1024" | bc -l)" "${out[$what]}" \
      "${gen[$what]% }"
  done
  # the bare cost of the csv.gz bytes: the release's CSV text, compressed again alone
  for f in $(find "$WORK/ds" -name '*.csv.gz' -not -path '*/reference/*' | sort); do zcat "$f"; done >"$WORK/all.csv"
  echo "      bare libdeflate level 4 on the release's $(du -m "$WORK/all.csv" | cut -f1) MB of CSV text:"
  "$BARE" "$WORK/all.csv" 4 "$RUNS" | sed 's/^/        /'
  rm -f "$WORK/all.csv"
done
