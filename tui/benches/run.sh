#!/usr/bin/env bash
# Runs the benchmarks that compare gene-trace with its peers, on a fresh
# machine too: installs lua5.4 from Debian's packages when it is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v lua5.4 >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq lua5.4; else sudo apt-get update -qq && sudo apt-get install -y -qq lua5.4; fi
fi
cargo build --release --bin gene-trace --example tokio_timers
cargo bench -p gene-trace --bench peers -- "$@"
