#!/usr/bin/env bash
# Create (once) the venv of the Python worker and analyses (python/) and print its python path as
# the last line of stdout. Idempotent and fast when ready (< 1 s):
# - the venv is keyed by the sha256 of python/requirements.lock (exact pins, transitive
#   included) and of this checkout's path (its packages are installed editable from here, so two
#   checkouts never share one), and marked usable by a `.complete` stamp;
# - grouped-analysis-py and every analysis project (python/examples/*/, python/analyses/*/ with a
#   pyproject.toml) are installed editable (`pip install --no-deps -e`), so source edits need no
#   reinstall; the set is re-installed only when a project appears or a pyproject.toml changes.
#
# Env: GA_CACHE_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/grouped-analysis),
#      GA_PYTHON (interpreter used to create the venv; default python3.11, else python3).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lock="$root/python/requirements.lock"
cache="${GA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/grouped-analysis}"
sha() { sha256sum 2>/dev/null || shasum -a 256; }
hash="$( { cat "$lock"; echo "$root"; } | sha | cut -c1-12)"
venv="$cache/venv-py-$hash"

# The editable projects and the digest of their pyproject.toml files (paths included).
projects=("$root/python")
for p in "$root"/python/examples/*/ "$root"/python/analyses/*/; do
  [[ -f "$p/pyproject.toml" ]] && projects+=("${p%/}")
done
editable="$(for p in "${projects[@]}"; do echo "$p"; cat "$p/pyproject.toml"; done | sha | cut -c1-12)"

if [[ -f "$venv/.complete" && -f "$venv/.editable-$editable" ]]; then
  echo "$venv/bin/python"
  exit 0
fi

mkdir -p "$cache"
# Several callers may ask at once: one builds, the others wait for it.
exec 9>"$venv.lock"
flock 9

export PIP_DISABLE_PIP_VERSION_CHECK=1
start=$(date +%s)
if [[ ! -f "$venv/.complete" ]]; then
  py="${GA_PYTHON:-$(command -v python3.11 || command -v python3 || true)}"
  [[ -n "$py" ]] && command -v "$py" >/dev/null || { echo "python-venv: no Python 3.11 found (set GA_PYTHON)" >&2; exit 1; }
  ver="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  [[ "$ver" == "3.11" ]] || { echo "python-venv: $py is Python $ver; grouped-analysis-py needs 3.11 (set GA_PYTHON)" >&2; exit 1; }
  rm -rf "$venv" # a half-built venv from an interrupted run
  echo "python-venv: creating $venv" >&2
  "$py" -m venv "$venv"
  # All pins are exact, so pip only has to fetch what the file names.
  "$venv/bin/python" -m pip install --no-input -r "$lock" >&2
  cp "$lock" "$venv/requirements.lock"
  echo "created $(date -u +%Y-%m-%dT%H:%M:%SZ) in $(( $(date +%s) - start ))s" >"$venv/.complete"
fi

if [[ ! -f "$venv/.editable-$editable" ]]; then
  args=()
  for p in "${projects[@]}"; do args+=(-e "$p"); done
  echo "python-venv: installing editable: ${projects[*]#"$root/"}" >&2
  # The build backend (setuptools) is pinned in the lock: no build isolation, no download.
  "$venv/bin/python" -m pip install --no-input --no-deps --no-build-isolation "${args[@]}" >&2
  "$venv/bin/python" -m pip check >&2
  rm -f "$venv"/.editable-*
  touch "$venv/.editable-$editable"
  echo "python-venv: ready in $(( $(date +%s) - start ))s" >&2
fi
echo "$venv/bin/python"
