#!/usr/bin/env bash
# Run the reference venv's python with the given arguments, building the venv first if needed.
#   bash scripts/reference/run.sh scripts/reference/dump_session_tables.py --nwb F --out D
# The venv build log goes to a file (shown only on failure), so stdout stays the script's own.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log="$(mktemp -t ga-reference-setup.XXXXXX)"
if ! py="$(bash "$here/setup-venv.sh" 2>"$log" | tail -n 1)" || [[ ! -x "$py" ]]; then
  echo "run.sh: could not create the reference venv; last lines of the log ($log):" >&2
  tail -n 30 "$log" >&2
  echo "run.sh: fix the cause and retry: bash scripts/reference/setup-venv.sh (needs python3.11 with venv, and PyPI)" >&2
  exit 1
fi
rm -f "$log"

# Deterministic reference outputs: upstream code iterates Python sets of series names (hash
# order decides how rows with equal timestamps come out of an unstable sort) and pynwb
# localizes some datetimes with the local zone. Code Ocean containers run in UTC.
export PYTHONHASHSEED="${PYTHONHASHSEED:-0}"
export TZ=UTC
export MPLBACKEND="${MPLBACKEND:-Agg}"
exec "$py" "$@"
