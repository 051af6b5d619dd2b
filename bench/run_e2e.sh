#!/usr/bin/env bash
# End-to-end throughput harness (see bench/README.md). Runs saas_b2b at 10^4, 10^5 and 10^6
# expected leads (as 1, 10 and 100 independent markets of 10,000: one market's sales team is
# sized for 10,000 leads a year, so more leads in one market would only measure a swamped queue),
# with 1 and 2 threads, to a compressed HDF5 log and with --discard (simulation only); then the
# roofline on the same events, and `score` on the largest log.
# Usage: bench/run_e2e.sh [BUILD_DIR] [COMPRESSION]   (defaults: build, deflate:4; or lz4, none)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}/bin
C=${2:-deflate:4}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
echo "commit:  $(git rev-parse --short HEAD)   compression: $C"
printf '%-9s %3s %11s %8s %12s %12s %8s %9s %10s %10s\n' customers thr events wall_s "events/s" "sim-only/s" speedup peak_MB "x mem-roof" "x file-roof"
declare -A base
for markets in 1 10 100; do
  for t in 1 2; do
    log="$OUT/run_${markets}_${t}.h5"
    /usr/bin/time -f "%e %M" -o "$OUT/time" "$B/journeysim" run scenarios/saas_b2b.yaml \
      --customers 10000 --markets "$markets" --threads "$t" --compression "$C" -o "$log" >"$OUT/run.txt"
    read -r wall rss <"$OUT/time"
    events=$(awk '/^events/ {print $2}' "$OUT/run.txt")
    blocks=$(awk '/^random draws/ {print $3 * 1000000}' "$OUT/run.txt")
    "$B/journeysim" run scenarios/saas_b2b.yaml --customers 10000 --markets "$markets" --threads "$t" \
      --discard >"$OUT/sim.txt"
    sim_eps=$(awk '/^events/ {print $2 / $4}' "$OUT/sim.txt")
    roof=$("$B/roofline" --from "$log" --blocks "${blocks%.*}" --threads "$t" --compression "$C")
    mem_roof=$(sed 's/.*roofline_memory_eps=\([0-9]*\).*/\1/' <<<"$roof")
    file_roof=$(sed 's/.*roofline_file_eps=\([0-9]*\).*/\1/' <<<"$roof")
    eps=$(awk -v e="$events" -v w="$wall" 'BEGIN {print e / w}')
    [ "$t" = 1 ] && base[$markets]=$sim_eps
    speedup=$(awk -v a="$sim_eps" -v b="${base[$markets]}" 'BEGIN {printf "%.2f", a / b}')
    printf '%-9s %3s %11s %8.2f %12.0f %12.0f %8s %9.0f %10.3f %10.3f\n' "$((markets * 10000))" "$t" "$events" "$wall" \
      "$eps" "$sim_eps" "$speedup" "$((rss / 1024))" "$(awk -v a="$sim_eps" -v b="$mem_roof" 'BEGIN {print a / b}')" \
      "$(awk -v a="$eps" -v b="$file_roof" 'BEGIN {print a / b}')"
  done
done
log="$OUT/run_100_2.h5"
/usr/bin/time -f "%e %M" -o "$OUT/time" "$B/journeysim" score "$log" --format csv >/dev/null
read -r wall rss <"$OUT/time"
events=$(awk '/^events/ {print $2}' "$OUT/run.txt")  # the last run above wrote this log
load_roof=$("$B/roofline" --from "$log" --blocks 1 --threads 2 --compression "$C" | sed 's/.*roofline_load_eps=\([0-9]*\).*/\1/')
eps=$(awk -v e="$events" -v w="$wall" 'BEGIN {printf "%.0f", e / w}')
echo "score (all KPIs, 2 threads) on the 10^6 log: $events events in $wall s = $eps events/s, peak $((rss / 1024)) MB, x load-roof $(awk -v a="$eps" -v b="$load_roof" 'BEGIN {printf "%.3f", a / b}') (load roofline $load_roof events/s)"
