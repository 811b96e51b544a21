#!/usr/bin/env bash
# `pnpm bench:fleet`: N simulated agents against one gateway process, then two replicas; prints the
# connections held, gateway RSS, heartbeat rows written per second and command round trips, each
# against its target (apps/gateway/scripts/bench-fleet.ts, docs/performance.md § Fleet).
# NACRE_FLEET_AGENTS (default 20000); NACRE_HEARTBEAT_INTERVAL_SECONDS (default 30; 10 triples the
# heartbeat load); the other knobs are listed at the top of bench-fleet.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bootstrap.sh
exec node apps/gateway/scripts/bench-fleet.ts "$@"
