#!/usr/bin/env bash
# `npm ci` when node_modules is missing or was installed from another lockfile, so the README's
# commands work on a fresh clone without a separate install step.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ "$(cat node_modules/.ga-lock-sha256 2>/dev/null)" != "$want" ]]; then
  echo "[setup] installing Node dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > node_modules/.ga-lock-sha256
fi
