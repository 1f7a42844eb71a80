#!/usr/bin/env bash
# `npm run worker`: builds and runs the worker on plain node, the pinned Node 24 LTS (see
# scripts/node-run.sh and scripts/ensure-node.sh).
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/node-run.sh" dist/worker.js "$@"
