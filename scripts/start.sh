#!/usr/bin/env bash
# The README's first command (`npm start`): installs what is missing, starts the local servers
# and runs the main job on the embedded default.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-node-deps.sh
bash scripts/services.sh up
# Compiled and run on plain node, as `npm run worker` is (see scripts/node-run.sh for why).
exec bash scripts/node-run.sh dist/cli.js start "$@"
