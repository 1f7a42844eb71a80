#!/usr/bin/env bash
# Builds (tsc, incremental: seconds when nothing changed) and runs a compiled entry on plain node
# (the pinned Node 24 LTS, installed into the cache by scripts/ensure-node.sh on first use) with
# the production memory setting: `bash scripts/node-run.sh dist/worker.js [args]`. Used by
# `npm start` and `npm run worker`. Not through tsx: tsx keeps a transformed copy of h5wasm's 4 MB
# module with an inline source map, and a worker that had loaded h5wasm (on its first HDF5 file)
# held ~650 MB RSS (~80 MB on node).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Node 24 LTS from the cache (scripts/ensure-node.sh), first on PATH: npm, npx, tsx, vitest and
# every child process run on it, whatever `node` started this script.
node_bin="$(bash scripts/ensure-node.sh)"
[[ "$PATH" == "$node_bin:"* ]] || export PATH="$node_bin:$PATH"
export NODE="$node_bin/node" npm_node_execpath="$node_bin/node"
npm run build --silent >&2
# Fewer glibc malloc arenas: see README, Production configuration.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec node "$@"
