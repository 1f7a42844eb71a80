#!/usr/bin/env bash
# Starts the analysis for every job file of a folder (or several): safe to re-run, since each run's
# workflow ID is its dedup key; done mice are reported "already-done" and start nothing.
#   bash scripts/ops/backfill.sh JOB_DIR [analysis_parameters.json] [more dispatch options, e.g. --allow-unknown-fields]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
jobs="${1:?usage: backfill.sh JOB_DIR [PARAMETERS_FILE]}"
exec npx tsx src/cli.ts dispatch "$jobs" ${2:+--parameters "$2"} --batch-tag "backfill-$(date -u +%Y%m%dT%H%M%S)" "${@:3}"
