#!/usr/bin/env bash
# The trace tools on a big trace: `export --format chrome`, `export
# --format jsonl` and `check` of a trace of 1,010,007 records (300,000
# timers: tui/benches/programs/timers.gene with 300,000 for 1,000,000),
# elapsed time, CPU time (user + system) and peak memory (max RSS) by
# /usr/bin/time; prints each tool's medians of RUNS runs.
#   tui/benches/trace_tools.sh [RUNS]   (default 5; needs a release build)
# PEER=path/to/another/gene-trace runs that binary too, in interleaved
# pairs, and prints the ratios (this one / the peer) of the medians.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
bin=target/release/gene-trace
[ -x "$bin" ] || cargo build --release --bin gene-trace
mkdir -p target/tmp
program=target/tmp/trace-tools-timers.gene
trace=target/tmp/trace-tools.jsonl
sed 's/1000000/300000/' tui/benches/programs/timers.gene >"$program"
"$bin" run --trace "$trace" "$program" >/dev/null
echo "trace: $(($(wc -l <"$trace") - 1)) records, $(stat -c %s "$trace") bytes"
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# One run of `$1 ARGS...`: "elapsed cpu max-rss-KB" appended to file $2.
measure() {
  local tool=$1 into=$2
  shift 2
  /usr/bin/time -o target/tmp/trace-tools-t -f '%e %U %S %M' "$tool" "$@" >/dev/null
  awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' target/tmp/trace-tools-t >>"$into"
}
report() {
  local name=$1 file=$2
  echo "$name: median $(cut -d' ' -f1 "$file" | median) s elapsed," \
    "$(cut -d' ' -f2 "$file" | median) s CPU, $(cut -d' ' -f3 "$file" | median) KB max RSS"
}
for tool in "export --format chrome" "export --format jsonl" "check"; do
  read -r -a args <<<"$tool"
  out=()
  [ "${args[0]}" = export ] && out=(target/tmp/trace-tools.out)
  rm -f target/tmp/trace-tools-this target/tmp/trace-tools-peer
  for _ in $(seq "$runs"); do
    measure "$bin" target/tmp/trace-tools-this "${args[@]}" "$trace" "${out[@]}"
    if [ -n "${PEER:-}" ]; then
      measure "$PEER" target/tmp/trace-tools-peer "${args[@]}" "$trace" "${out[@]}"
    fi
  done
  report "$tool" target/tmp/trace-tools-this
  if [ -n "${PEER:-}" ]; then
    report "$tool (peer)" target/tmp/trace-tools-peer
    for col in 1 2 3; do
      this=$(cut -d' ' -f$col target/tmp/trace-tools-this | median)
      peer=$(cut -d' ' -f$col target/tmp/trace-tools-peer | median)
      printf '%s ' "$(awk -v a="$this" -v b="$peer" 'BEGIN {printf "%.2fx", a / b}')"
    done
    echo "(elapsed, CPU, max RSS: this / peer)"
  fi
done
rm -f "$trace" "$program" target/tmp/trace-tools.out target/tmp/trace-tools-t \
  target/tmp/trace-tools-this target/tmp/trace-tools-peer
