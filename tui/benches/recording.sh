#!/usr/bin/env bash
# Recording to a real file, as a user records: `gene-trace run --trace FILE`
# against the same run unrecorded, CPU time (user + system) of the whole
# process by /usr/bin/time, in interleaved pairs; prints each workload's
# median ratio and bytes per record with their targets.
#   tui/benches/recording.sh [PAIRS]   (default 5; needs a release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
pairs=${1:-5}
bin=target/release/gene-trace
[ -x "$bin" ] || cargo build --release --bin gene-trace
mkdir -p target/tmp
trace=target/tmp/recording-bench.jsonl
cpu() { awk '{printf "%.3f", $1 + $2}' "$1"; }
for program in tui/benches/programs/timers.gene tui/benches/programs/shared_writes.gene; do
  ratios=()
  for _ in $(seq "$pairs"); do
    /usr/bin/time -o target/tmp/recording-u -f '%U %S' "$bin" run "$program" >/dev/null
    rm -f "$trace"
    /usr/bin/time -o target/tmp/recording-r -f '%U %S' "$bin" run --trace "$trace" "$program" >/dev/null
    u=$(cpu target/tmp/recording-u)
    r=$(cpu target/tmp/recording-r)
    ratios+=("$(awk -v u="$u" -v r="$r" 'BEGIN {printf "%.3f", r / u}')")
    echo "  $program: unrecorded $u s, recorded $r s"
  done
  median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
  bytes=$(stat -c %s "$trace")
  records=$(($(wc -l <"$trace") - 1))
  per=$(awk -v b="$bytes" -v n="$records" 'BEGIN {printf "%.1f", b / n}')
  ratio_met=$(awk -v m="$median" 'BEGIN {print (m <= 1.5) ? "met" : "NOT met"}')
  bytes_met=$(awk -v p="$per" 'BEGIN {print (p <= 48) ? "met" : "NOT met"}')
  echo "recording $program: median recorded/unrecorded CPU ${median}x of $pairs pairs" \
    "(target <= 1.5x: $ratio_met); $records records, $bytes bytes, $per bytes per record" \
    "(target <= 48: $bytes_met)"
  rm -f "$trace" target/tmp/recording-u target/tmp/recording-r
done
