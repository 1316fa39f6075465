#!/usr/bin/env bash
# bench/run.sh [--quick] [--data DIR] [--wait-load LOAD] [--build-only]
#
# Builds what the benchmark needs (Release, in build-bench/ or $WSSD_BENCH_BUILD), starts
# wss-hub and wssd on loopback, runs every end-to-end figure with its direct baseline in the
# same run (bench/system_bench.cpp), and prints a table and, as its LAST line, one JSON object.
#
#   --quick           fewer repetitions and shorter runs (under 2 minutes on 2 cores)
#   --data DIR        also write the plots' data (relay.tsv, fan_out.tsv) into DIR
#   --wait-load LOAD  first wait (at most 10 minutes) until the 1-minute load is below LOAD
#   --build-only      build, and stop there (bench/profile.sh uses it)
#
# It fails only when something does not work (a build, a process that does not start, a lost
# message, a wrong count), never because a figure is slow. Progress goes to stderr.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

quick=()
data=""
wait_load=""
build_only=""
while (($#)); do
  case $1 in
    --quick) quick=(--quick) ;;
    --data) data=${2:?--data needs a directory}; shift ;;
    --wait-load) wait_load=${2:?--wait-load needs a load}; shift ;;
    --build-only) build_only=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

root=$(cd "$(dirname "$0")/.." && pwd)
build=${WSSD_BENCH_BUILD:-$root/build-bench}
say() { printf '%s\n' "$*" >&2; }

# Everything the benchmark makes (wssd's and the hub's temp dirs) lives under one directory,
# removed on the way out whatever happens; the benchmark kills its own processes on a signal.
work=$(mktemp -d "${TMPDIR:-/tmp}/wssd-bench.XXXXXX")
bench_pid=""
cleanup() {
  if [[ -n $bench_pid ]] && kill -0 "$bench_pid" 2>/dev/null; then
    kill -TERM "$bench_pid" 2>/dev/null || true
    wait "$bench_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# --- build (idempotent: a second run only checks) ---------------------------------------------
say "building in $build (Release; log: $work/build.log)"
if ! {
  nice cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWSSD_BENCH=ON \
    -DWSSD_TESTS=ON &&
    nice cmake --build "$build" -j 2 --target wssd wssctl wss-hub wssd_system_bench
} >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2
  say "bench/run.sh: the build failed"
  exit 1
fi
[[ -n $build_only ]] && exit 0

# --- Node.js and its ws module (Debian's node-ws: nothing is downloaded) ----------------------
node_args=()
node_line=""
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
if ! command -v node >/dev/null; then
  node_line="not installed: no Node.js row"
  node_args=(--no-node "node is not installed")
elif ! ws_version=$(node -e 'process.stdout.write(require("ws/package.json").version)' 2>/dev/null); then
  node_line="$(node --version), but no ws module on NODE_PATH=$NODE_PATH (apt-get install node-ws): no Node.js row"
  node_args=(--no-node "node has no ws module (apt-get install node-ws)")
else
  node_line="$(node --version), ws $ws_version"
  node_args=(--node "$(command -v node)")
fi

# --- a quiet machine, if asked ----------------------------------------------------------------
load_now() { cut -d' ' -f1 /proc/loadavg; }
if [[ -n $wait_load ]]; then
  for ((waited = 0; waited < 600; waited += 10)); do
    awk -v l="$(load_now)" -v max="$wait_load" 'BEGIN { exit !(l < max) }' && break
    ((waited % 60 == 0)) && say "waiting for the 1-minute load ($(load_now)) to fall below $wait_load"
    sleep 10
  done
fi

# --- the run ------------------------------------------------------------------------------------
commit=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)
cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)
echo "wssd benchmark ($([[ ${#quick[@]} -gt 0 ]] && echo quick || echo full)), commit $commit, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: nproc $(nproc), ${cpu:-unknown CPU}, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)"
echo "compiler: $(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt") ($(c++ -dumpfullversion 2>/dev/null || echo '?')), $(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")"
echo "node: $node_line"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

data_args=()
if [[ -n $data ]]; then
  mkdir -p "$data"
  data_args=(--data "$data")
fi
TMPDIR=$work "$build/bench/wssd_system_bench" "${quick[@]}" "${data_args[@]}" "${node_args[@]}" &
bench_pid=$!
wait "$bench_pid"
