#!/usr/bin/env bash
# The README's first command: bootstraps the project on a fresh machine, builds, and brings up the
# whole product on local defaults (packages/dev-stack/src/main.ts): PostgreSQL, Redis, the S3 server,
# the email recorder, the migrated and seeded database, then the agent's demo against that S3 server.
# Ctrl-C stops what it started. Options: --no-demo, --exit-when-ready.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bootstrap.sh
pnpm -s turbo run build --output-logs=errors-only
exec node packages/dev-stack/src/main.ts "$@"
