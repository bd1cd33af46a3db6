#!/usr/bin/env bash
# Runs the benchmarks that compare gene-trace with its peers, on a fresh
# machine too: installs lua5.4 and luajit (its interpreter, `-joff`, is the
# reference) from Debian's packages when they are missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
missing=()
command -v lua5.4 >/dev/null || missing+=(lua5.4)
command -v luajit >/dev/null || missing+=(luajit)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}"
fi
cargo build --release --bin gene-trace --example tokio_timers
# Arguments filter the workloads: fib, while, elements, timers, exhaustive.
cargo bench -p gene-trace --bench peers -- "$@"
tui/benches/recording.sh
tui/benches/pct.sh
tui/benches/trace_tools.sh
