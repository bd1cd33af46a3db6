#!/usr/bin/env bash
# PCT against random scheduling on a depth-2 bug (issue 11): the runs each
# strategy takes to the first failing seed, over TRIALS disjoint blocks of
# seeds, and the ratio of their medians. The program is
# tui/benches/programs/depth2.gene (five tasks of 12 steps; the bug needs a
# to lead b for six rounds and then trail it).
#   tui/benches/pct.sh [TRIALS] [MAX]   (default 11 trials of at most 20000 seeds)
set -euo pipefail
cd "$(dirname "$0")/../.."
trials=${1:-11}
max=${2:-20000}
bin=target/release/gene-trace
[ -x "$bin" ] || cargo build --release --bin gene-trace
program=tui/benches/programs/depth2.gene
first_failure() { # strategy, first seed: runs to the first failure (max + 1 if none)
  local seed
  seed=$("$bin" explore "$program" --strategy "$1" --seed "$2" --seeds "$max" --no-shrink 2>/dev/null |
    sed -n 's/^    first seed \([0-9]*\):.*/\1/p' | head -n 1 || true)
  if [ -z "$seed" ]; then echo $((max + 1)); else echo $((seed - $2 + 1)); fi
}
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
pct=()
random=()
for t in $(seq 0 $((trials - 1))); do
  base=$((t * 1000000))
  pct+=("$(first_failure pct "$base")")
  random+=("$(first_failure random "$base")")
  echo "  trial $t (seeds from $base): pct ${pct[-1]} runs, random ${random[-1]} runs"
done
mp=$(printf '%s\n' "${pct[@]}" | median)
mr=$(printf '%s\n' "${random[@]}" | median)
ratio=$(awk -v p="$mp" -v r="$mr" 'BEGIN {printf "%.1f", r / p}')
met=$(awk -v p="$mp" -v r="$mr" 'BEGIN {print (p < r) ? "met" : "NOT met"}')
echo "runs to the first failure of depth2.gene, median of $trials trials: pct (depth 2) $mp, random $mr: random takes ${ratio}x as many (target: pct fewer: $met)"
