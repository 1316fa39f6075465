#!/usr/bin/env bash
# Runs every parser's libFuzzer target for a bounded time (clang, ASan+UBSan), as many at once
# as there are cores, starting from its corpus in tests/fuzz/corpus; what a run finds new goes
# to a scratch directory, not the tree.
#   tools/fuzz.sh [SECONDS_EACH]   (default 30)
source "$(dirname "$0")/bootstrap.sh"
seconds=${1:-30}
install_build_dependencies
targets=()
for corpus in "$wssd_root"/tests/fuzz/corpus/*/; do targets+=("$(basename "$corpus")"); done
# No precompiled anything, other flags than the suite's: a missing #include shows here.
CXX=clang++ configure "$wssd_root/build-fuzz" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 \
  -DWSSD_TESTS=OFF -DWSSD_FUZZ=ON
cmake --build "$wssd_root/build-fuzz" -j "$(nproc)" --target "${targets[@]/#/fuzz_}"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# fuzz TARGET: one bounded run; its log is $scratch/TARGET.log, a crash leaves TARGET.failed.
fuzz() {
  local target=$1
  mkdir -p "$scratch/$target"
  "$wssd_root/build-fuzz/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$scratch/$target-" "$scratch/$target" "$wssd_root/tests/fuzz/corpus/$target" \
    >"$scratch/$target.log" 2>&1 || touch "$scratch/$target.failed"
}
echo "fuzz: ${#targets[@]} targets, $seconds s each, $(nproc) at a time"
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do wait -n || true; done
  fuzz "$target" &
done
wait
failed=0
for target in "${targets[@]}"; do
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$target.log")
  if [ -e "$scratch/$target.failed" ]; then
    failed=1
    echo "fuzz_$target FAILED after ${runs:-?} runs:"
    tail -40 "$scratch/$target.log"
    for input in "$scratch/$target"-*; do
      [ -e "$input" ] && { echo "  input $(basename "$input"):"; od -An -c "$input" | head -20; }
    done
  else
    echo "fuzz_$target: ${runs:-?} runs, no crash"
  fi
done
exit "$failed"
