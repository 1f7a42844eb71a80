#!/usr/bin/env bash
# The README's first command (`npm start`): installs what is missing, starts the local servers
# and runs the main job on the embedded default.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-node-deps.sh
bash scripts/services.sh up
# Compiled and run on plain node, as `npm run worker` does (see scripts/worker.sh for why).
npm run build --silent >&2
# Fewer glibc malloc arenas: see README, Production configuration.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec node dist/cli.js start "$@"
