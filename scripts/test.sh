#!/usr/bin/env bash
# The README's test command (`npm test`): installs what is missing, starts the real servers
# (left running for the next run; `npm run services -- down` stops them) and runs every test
# layer, then a named subset on the production-like Temporal cluster (`npm run test:cluster`), then
# the reduced reliability suite (its own servers on another port block; the full counts with
# GA_RELIABILITY_FULL=1 npm run test:reliability), then the worker image (`npm run test:image`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Node 24 LTS from the cache (scripts/ensure-node.sh), first on PATH: npm, npx, tsx, vitest and
# every child process run on it, whatever `node` started this script.
node_bin="$(bash scripts/ensure-node.sh)"
[[ "$PATH" == "$node_bin:"* ]] || export PATH="$node_bin:$PATH"
export NODE="$node_bin/node" npm_node_execpath="$node_bin/node"
echo "[test] node $(node --version) ($(command -v node)), npm $(npm --version)"
bash scripts/ensure-node-deps.sh
bash scripts/install-browser.sh
bash scripts/services.sh up
# The cluster's Temporal server and PostgreSQL install in the background while the other layers
# run (cold, the server's Go build takes about 8 minutes); the cluster subset waits for it.
if [[ $# -eq 0 ]]; then
  cluster_log="$(mktemp -t ga-cluster-install.XXXXXX)"
  bash scripts/cluster.sh install >"$cluster_log" 2>&1 &
  cluster_install=$!
fi
npx tsc -p tsconfig.json --noEmit
# Lint as the Temporal samples do (eslint.config.js): floating promises, Node built-ins in workflows.
npm run lint --silent
# The tsc build runs too: dist/<folder>/<file> resolves package.json and the fixtures two folders
# up, as src/ does.
npm run build >/dev/null && node dist/cli.js analyses >/dev/null
# The Python package and its analyses (pytest, against the servers too: required, never skipped);
# it also builds the venv the Python worker of the e2e tests runs in.
if [[ $# -eq 0 ]]; then GA_REQUIRE_SERVICES=1 bash scripts/py.sh test -q; fi
npx vitest run "$@"
# A named subset again, unchanged, on the production-like cluster (scripts/cluster.sh: PostgreSQL,
# one process per Temporal service; left running like the services): vitest.cluster.config.ts.
if [[ $# -eq 0 ]]; then
  wait "$cluster_install" || { cat "$cluster_log"; echo "[test] scripts/cluster.sh install failed (its output above)"; exit 1; }
  npm run test:cluster
fi
# Only the whole suite is followed by the reliability run (not `npm test -- <file>`).
if [[ $# -eq 0 ]]; then npm run test:reliability; fi
# The worker's container image: built with podman and smoke-tested (scripts/image.sh).
if [[ $# -eq 0 ]]; then npm run test:image; fi
