#!/usr/bin/env bash
# Create (once) the Python venv of the reference harness and print its python path as the
# last line of stdout. Idempotent: the venv is keyed by the sha256 of requirements.txt and
# marked usable by a `.complete` stamp, so a second call only prints the path.
#
# Env: GA_CACHE_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/grouped-analysis),
#      GA_REFERENCE_PYTHON (interpreter used to create the venv; default python3, tested on 3.11).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
req="$here/requirements.txt"
cache="${GA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/grouped-analysis}"
hash="$( (sha256sum "$req" 2>/dev/null || shasum -a 256 "$req") | cut -c1-12)"
venv="$cache/venv-reference-$hash"
py="${GA_REFERENCE_PYTHON:-python3}"

if [[ -f "$venv/.complete" ]]; then
  echo "$venv/bin/python"
  exit 0
fi

mkdir -p "$cache"
# Several test workers may ask at once: one builds, the others wait for it.
exec 9>"$venv.lock"
flock 9
if [[ -f "$venv/.complete" ]]; then
  echo "$venv/bin/python"
  exit 0
fi

command -v "$py" >/dev/null || { echo "setup-venv: '$py' not found (set GA_REFERENCE_PYTHON)" >&2; exit 1; }
ver="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
[[ "$ver" == "3.11" ]] || echo "setup-venv: warning: pins were resolved on Python 3.11, using $ver" >&2

start=$(date +%s)
rm -rf "$venv" # a half-built venv from an interrupted run
echo "setup-venv: creating $venv" >&2
"$py" -m venv "$venv"
# All pins are exact, so pip only has to fetch what the file names.
PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --no-input -r "$req" >&2
PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip check >&2
cp "$req" "$venv/requirements.txt"
echo "created $(date -u +%Y-%m-%dT%H:%M:%SZ) in $(( $(date +%s) - start ))s" >"$venv/.complete"
echo "setup-venv: ready in $(( $(date +%s) - start ))s" >&2
echo "$venv/bin/python"
