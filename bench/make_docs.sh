#!/usr/bin/env bash
# bench/make_docs.sh [--wait-load LOAD]
#
# Regenerates docs/benchmarks.md and docs/bench/*.png: one full bench/run.sh (its output and
# data kept in build-bench/bench-docs/), the micro-benchmarks, bench/profile.sh, gnuplot, and
# bench/render_docs.py over bench/benchmarks.md.in. --wait-load LOAD first waits (at most 10
# minutes) until the 1-minute load is below LOAD: the docs' figures should come from a quiet
# machine (try 1.0).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${WSSD_BENCH_BUILD:-$root/build-bench}
out="$build/bench-docs"
wait_load=""
while (($#)); do
  case $1 in
    --wait-load) wait_load=${2:?}; shift ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
  esac
  shift
done

rm -rf "$out"
mkdir -p "$out/data" "$root/docs/bench"
"$root/bench/run.sh" --build-only
if [[ -n $wait_load ]]; then
  for ((waited = 0; waited < 600; waited += 10)); do
    awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v max="$wait_load" 'BEGIN { exit !(l < max) }' && break
    ((waited % 60 == 0)) && echo "waiting for the 1-minute load ($(cut -d' ' -f1 /proc/loadavg)) to fall below $wait_load" >&2
    sleep 10
  done
fi
start=$(date +%s.%N)
"$root/bench/run.sh" --data "$out/data" | tee "$out/run.txt"
wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.0f s", e - s }')

nice cmake --build "$build" -j 2 --target wssd_micro_bench >/dev/null
"$build/bench/wssd_micro_bench" 2>&1 | tee "$out/micro.txt"
"$root/bench/profile.sh" | tee "$out/profile.txt"

gnuplot -e "data='$out/data'; out='$root/docs/bench'" "$root/bench/plots.gp"
python3 "$root/bench/render_docs.py" "$root/bench/benchmarks.md.in" "$out/run.txt" \
  "$out/micro.txt" "$out/profile.txt" "$wall" >"$root/docs/benchmarks.md"
echo "wrote docs/benchmarks.md and docs/bench/{relay,fan_out,fan_out_lag}.png (run: $wall)" >&2
