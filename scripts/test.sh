#!/usr/bin/env bash
# The README's test command (`npm test`): installs what is missing, starts the real servers
# (left running for the next run; `npm run services -- down` stops them) and runs every test
# layer, then the reduced reliability suite (its own servers on another port block; the full
# counts with GA_RELIABILITY_FULL=1 npm run test:reliability).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-node-deps.sh
bash scripts/install-browser.sh
bash scripts/services.sh up
npx tsc -p tsconfig.json --noEmit
# The tsc build runs too: dist/<folder>/<file> resolves package.json and the fixtures two folders
# up, as src/ does.
npm run build >/dev/null && node dist/cli.js analyses >/dev/null
npx vitest run "$@"
# Only the whole suite is followed by the reliability run (not `npm test -- <file>`).
if [[ $# -eq 0 ]]; then npm run test:reliability; fi
