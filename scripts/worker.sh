#!/usr/bin/env bash
# `npm run worker`: builds (tsc, incremental) and runs the worker on plain node. Not through tsx:
# tsx keeps a transformed copy of h5wasm's 4 MB module with an inline source map, and a worker
# that had loaded h5wasm (on its first HDF5 file) held ~650 MB RSS (~80 MB on node).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
npm run build --silent >&2
# Fewer glibc malloc arenas: see README, Production configuration.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec node dist/worker.js "$@"
