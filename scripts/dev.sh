#!/usr/bin/env bash
# The README's first command: bootstraps the project on a fresh machine, builds, and brings up the
# whole product on local defaults (packages/dev-stack/src/main.ts): PostgreSQL, Redis, the S3 server,
# the email recorder, the migrated and seeded database, then the agent's demo against that S3 server.
# Ctrl-C stops what it started. Options: --no-demo, --exit-when-ready.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bootstrap.sh
# The dashboard is built with its local sign-in (a production deploy builds with NACRE_BUILD_PROFILE=production).
export NACRE_BUILD_PROFILE="${NACRE_BUILD_PROFILE:-local}" NEXT_TELEMETRY_DISABLED=1
pnpm -s turbo run build --output-logs=errors-only
exec node packages/dev-stack/src/main.ts "$@"
