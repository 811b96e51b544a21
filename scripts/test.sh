#!/usr/bin/env bash
# Runs every check and test of the project on a fresh machine: bootstrap (Node 24, pnpm, deps),
# build (the agent bundle is exercised by the CLI tests), typecheck, lint, then the whole vitest
# suite against real servers that the tests start themselves. Ends with one line
# "N passed, N failed, N skipped" so any CI can read the result.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bootstrap.sh
# The dashboard is built with its local sign-in (a production deploy builds with NACRE_BUILD_PROFILE=production).
export NACRE_BUILD_PROFILE="${NACRE_BUILD_PROFILE:-local}" NEXT_TELEMETRY_DISABLED=1

export CI="${CI:-}"
mkdir -p test-artifacts

echo "== build" && pnpm -s turbo run build --output-logs=errors-only
echo "== typecheck" && pnpm -s turbo run typecheck --output-logs=errors-only
echo "== lint" && pnpm -s lint

echo "== tests"
status=0
pnpm -s vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "$@" || status=$?

node -e '
  const fs = require("node:fs");
  let r;
  try { r = JSON.parse(fs.readFileSync("test-artifacts/vitest.json", "utf8")); }
  catch { console.log("0 passed, 1 failed"); process.exit(0); }
  const skipped = r.numPendingTests + r.numTodoTests;
  // A file that fails outside its tests (it does not load, or a beforeAll throws and its tests are
  // skipped) has no failed test of its own; count it as one failure.
  const brokenFiles = r.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed")).length;
  const failed = r.numFailedTests + brokenFiles;
  console.log(`${r.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
'
exit "$status"
