#!/usr/bin/env bash
# run_fuzzer.sh FUZZER CORPUS WORKDIR SECONDS: fuzzes from a copy of CORPUS in WORKDIR/corpus for
# SECONDS; a crash input is left in WORKDIR/crashes (copy it to tests/fuzz/crashes/<target>/ with
# the fix, so the default run replays it). Prints libFuzzer's final statistics.
set -euo pipefail
fuzzer=$1 corpus=$2 work=$3 seconds=$4
mkdir -p "$work/corpus" "$work/crashes"
cp -n "$corpus"/* "$work/corpus/" 2>/dev/null || true
dict=$(dirname "$0")/dictionaries/$(basename "$corpus").dict
extra=()
[ -f "$dict" ] && extra+=("-dict=$dict")
exec "$fuzzer" "$work/corpus" -max_total_time="$seconds" -artifact_prefix="$work/crashes/" \
  -print_final_stats=1 -timeout=20 -rss_limit_mb=4096 -max_len=262144 "${extra[@]}"
