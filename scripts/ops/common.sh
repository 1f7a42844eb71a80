# Shared by the operator scripts: finds the `temporal` CLI and the server address and namespace.
# The local services' env file is read as src/services-env.ts reads it for the CLI and the worker:
# `${GA_STATE_DIR:-<repo>/.services}/env`, under the variables already set (TEMPORAL_ADDRESS,
# TEMPORAL_NAMESPACE, TEMPORAL_CLI, ...); the defaults are src/config.ts's.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Sets (not exports) each NAME=value line of the services env file whose NAME is not set already.
services_env() {
  local file="${GA_STATE_DIR:-$ROOT/.services}/env" line
  [[ -f "$file" ]] || return 0
  while IFS= read -r line || [[ -n "$line" ]]; do
    line="${line#"${line%%[![:space:]]*}"}"; line="${line%"${line##*[![:space:]]}"}" # trimmed
    if [[ "$line" =~ ^([A-Z0-9_]+)=(.*)$ && ! -v "${BASH_REMATCH[1]}" ]]; then printf -v "${BASH_REMATCH[1]}" '%s' "${BASH_REMATCH[2]}"; fi
  done <"$file"
}
services_env
TEMPORAL_CLI="${TEMPORAL_CLI:-temporal}"
TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-127.0.0.1:7233}"
TEMPORAL_NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
tctl() { "$TEMPORAL_CLI" "$@" --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE"; }
# Search-attribute values are quoted in list filters; refuse quotes so a value cannot widen a query.
safe() { [[ "$1" =~ ^[A-Za-z0-9._:-]+$ ]] || { echo "invalid value: $1" >&2; exit 2; }; printf '%s' "$1"; }
# Batch operations (reset/terminate by query): the server runs a limited number per namespace at
# once; wait for a free slot (up to ~2 minutes) instead of failing.
batch() {
  local out
  for _ in $(seq 1 60); do
    if out=$(tctl "$@" 2>&1); then echo "$out"; return 0; fi
    if ! grep -q "Max concurrent batch operations" <<<"$out"; then echo "$out" >&2; return 1; fi
    sleep 2
  done
  echo "$out" >&2
  return 1
}
