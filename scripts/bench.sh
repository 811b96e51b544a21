#!/usr/bin/env bash
# `pnpm bench`: builds the agent bundle and prints the backup/restore figures (apps/agent/scripts/bench.ts).
# NACRE_BENCH_DIR (default bench-out/) holds the data sets; NACRE_BENCH_SIZES (default 256,1024,2048).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bootstrap.sh
pnpm -s turbo run build --output-logs=errors-only
exec node apps/agent/scripts/bench.ts "$@"
