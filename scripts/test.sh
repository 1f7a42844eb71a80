#!/usr/bin/env bash
# The README's test command (`npm test`): installs what is missing, starts the real servers
# (left running for the next run; `npm run services -- down` stops them) and runs every test
# layer, then the reduced reliability suite (its own servers on another port block; the full
# counts with GA_RELIABILITY_FULL=1 npm run test:reliability).
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
# Only the whole suite is followed by the reliability run (not `npm test -- <file>`).
if [[ $# -eq 0 ]]; then npm run test:reliability; fi
