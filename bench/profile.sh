#!/usr/bin/env bash
# bench/profile.sh [--messages N] [--out DIR]
#
# Where wssd's CPU goes per relayed message, under a fixed workload: N messages of 100 B from one
# local client, 64 in flight (and 1 in flight for the system calls), through wssd to a peer on
# wss-hub (wssd_system_bench --profile). Each tool brackets exactly those N messages, after a
# warm-up:
#   - the CPU each process used per message, without any tool;
#   - callgrind (instruction counts, repeatable): instructions per message by kind of code,
#     the entry points' inclusive cost, allocations per message and who asks for them;
#   - strace -c -f: system calls per message;
#   - perf record -e cpu-clock (a software clock, when perf's hardware counters are missing, as
#     in this VM): the kernel's share of wssd's time.
# Raw outputs go to DIR (default build-bench/profile). Default N: 20000.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${WSSD_BENCH_BUILD:-$root/build-bench}
bench="$build/bench/wssd_system_bench"
self="$root/bench/profile.sh"

# --- hooks: wssd_system_bench --around runs "profile.sh --hook TOOL start|stop PID" ----------
if [[ ${1:-} == --hook ]]; then
  tool=$2 what=$3 pid=$4
  out=${WSSD_PROFILE_OUT:?}
  case $tool:$what in
    callgrind:start) callgrind_control -z "$pid" >/dev/null && callgrind_control -i on "$pid" >/dev/null ;;
    callgrind:stop) callgrind_control -i off "$pid" >/dev/null && callgrind_control -d "$pid" >/dev/null ;;
    strace:start | perf:start)
      if [[ $tool == strace ]]; then
        strace -c -f -p "$pid" -o "$out/strace.txt" 2>/dev/null &
      else
        perf record -q -e cpu-clock -F 999 -g -p "$pid" -o "$out/perf.data" 2>/dev/null &
      fi
      echo $! >"$out/$tool.pid"
      # Attached once the kernel names a tracer (strace), or after a moment (perf).
      for _ in $(seq 50); do
        [[ $tool == strace ]] && grep -q '^TracerPid:[[:space:]]*[1-9]' "/proc/$pid/status" && break
        sleep 0.02
      done
      ;;
    strace:stop | perf:stop)
      tracer=$(cat "$out/$tool.pid")
      kill -INT "$tracer"
      for _ in $(seq 250); do kill -0 "$tracer" 2>/dev/null || break; sleep 0.02; done
      ;;
    *) exit 2 ;;
  esac
  exit 0
fi

messages=20000
out="$build/profile"
while (($#)); do
  case $1 in
    --messages) messages=${2:?}; shift ;;
    --out) out=${2:?}; shift ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
  esac
  shift
done

"$root/bench/run.sh" --build-only
mkdir -p "$out"
rm -f "$out"/callgrind.* "$out"/strace.txt "$out"/perf.data*
export WSSD_PROFILE_OUT=$out
work=$(mktemp -d "${TMPDIR:-/tmp}/wssd-profile.XXXXXX")
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work

echo "# wssd profile: $messages messages of 100 B through wssd, commit $(git -C "$root" describe --always --dirty)"
echo "machine: nproc $(nproc), $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
if perf stat -e instructions true 2>&1 | grep -q 'not supported'; then
  echo "perf hardware counters: not supported here (perf stat -e instructions true); callgrind counts instructions"
else
  echo "perf hardware counters: available"
fi

echo
echo "## CPU per message, no tool attached"
for k in 1 64; do "$bench" --profile "$messages" --in-flight "$k"; done

echo
echo "## callgrind, 64 in flight"
echo "\$ $bench --profile $messages --in-flight 64 --wrap 'valgrind --tool=callgrind --instr-atstart=no' --around '$self --hook callgrind'"
"$bench" --profile "$messages" --in-flight 64 \
  --wrap "$(command -v valgrind) --tool=callgrind --instr-atstart=no --callgrind-out-file=$out/callgrind.%p" \
  --around "$self --hook callgrind" >"$out/callgrind-run.txt" 2>&1 || { cat "$out/callgrind-run.txt" >&2; exit 1; }
profile=$(find "$out" -name 'callgrind.*.1' -print -quit)
python3 "$root/bench/callgrind_summary.py" "$profile" "$messages" | tee "$out/callgrind-summary.txt"

for k in 64 1; do
  echo
  echo "## system calls per message, $k in flight (strace -c -f on wssd)"
  n=$messages
  [[ $k == 1 ]] && n=$((messages / 4))
  "$bench" --profile "$n" --in-flight "$k" --around "$self --hook strace" | sed 's/^/  (under strace) /'
  awk -v n="$n" '
    /^-+/ { rule++; next }
    rule == 1 && NF >= 5 { printf "  %-14s %6.2f per message%s\n", $NF, $4 / n,
                             NF == 6 ? sprintf(" (%.2f failed)", $5 / n) : "" }
    rule == 2 { printf "  %-14s %6.2f per message\n", "all", $4 / n }' "$out/strace.txt"
  cp "$out/strace.txt" "$out/strace-$k.txt"
done

echo
echo "## where wssd's time goes, kernel and user (perf record -e cpu-clock, 64 in flight)"
if "$bench" --profile "$messages" --in-flight 64 --around "$self --hook perf" >/dev/null 2>&1 &&
  [[ -s $out/perf.data ]]; then
  perf report -i "$out/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null |
    awk '!/^#/ && NF && ++n <= 8'
  echo "  top symbols:"
  perf report -i "$out/perf.data" --no-children --sort sym --stdio -g none 2>/dev/null |
    awk '!/^#/ && NF && ++n <= 15' | cut -c1-120
else
  echo "  perf record does not work here"
fi
