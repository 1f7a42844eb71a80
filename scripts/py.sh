#!/usr/bin/env bash
# `npm run py -- <command>`: the Python side's CLI from its venv, which scripts/python-venv.sh
# builds once into the cache outside the repo (both read the local services env file, as
# `npm run cli` does):
#   npm run py -- worker | export-manifest | describe | run ...   grouped-analysis-py <command>
#   npm run py -- test [MODULE ...] [-PYTEST_OPTION ...]   pytest of the package and every
#                                      analysis, or of the named ones (python/analyses/MODULE or
#                                      python/examples/MODULE)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
py="$(bash scripts/python-venv.sh | tail -n 1)"
if [[ "${1:-}" == test ]]; then
  shift
  paths=() options=()
  for m in "$@"; do
    if [[ "$m" == -* ]]; then options+=("$m")
    elif [[ -d "python/analyses/$m" ]]; then paths+=("python/analyses/$m")
    elif [[ -d "python/examples/$m" ]]; then paths+=("python/examples/$m")
    else echo "py.sh: no analysis project python/analyses/$m or python/examples/$m" >&2; exit 2; fi
  done
  # The package's pytest settings (python/pyproject.toml) apply to every project.
  [[ ${#paths[@]} -gt 0 ]] || paths=(python python/analyses)
  existing=(); for p in "${paths[@]}"; do [[ -d "$p" ]] && existing+=("$p"); done
  exec "$py" -m pytest -c python/pyproject.toml --rootdir python "${options[@]}" "${existing[@]}"
fi
exec "$(dirname "$py")/grouped-analysis-py" "$@"
