#!/usr/bin/env bash
# The README's first command: bootstraps the project on a fresh machine, builds the agent bundle, and
# shows the main job working on local defaults (see apps/agent/scripts/demo.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bootstrap.sh
pnpm -s turbo run build --output-logs=errors-only
exec node apps/agent/scripts/demo.ts "$@"
