#!/usr/bin/env bash
# The README's first command (`npm start`): installs what is missing, starts the local servers
# and runs the main job on the embedded default.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Node 24 LTS from the cache (scripts/ensure-node.sh), first on PATH: npm, npx, tsx, vitest and
# every child process run on it, whatever `node` started this script.
node_bin="$(bash scripts/ensure-node.sh)"
[[ "$PATH" == "$node_bin:"* ]] || export PATH="$node_bin:$PATH"
export NODE="$node_bin/node" npm_node_execpath="$node_bin/node"
bash scripts/ensure-node-deps.sh
bash scripts/services.sh up
# Compiled and run on plain node (Node 24), as `npm run worker` is (see scripts/node-run.sh for why).
exec bash scripts/node-run.sh dist/cli.js start "$@"
