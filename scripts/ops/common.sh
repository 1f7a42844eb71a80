# Shared by the operator scripts: finds the `temporal` CLI and the server address
# (the local dev server's env file, unless TEMPORAL_ADDRESS / TEMPORAL_CLI are exported).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ENV_FILE="${GA_STATE_DIR:-$ROOT/.services}/env"
if [[ -f "$ENV_FILE" ]]; then
  TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-$(sed -n 's/^TEMPORAL_ADDRESS=//p' "$ENV_FILE")}"
  TEMPORAL_CLI="${TEMPORAL_CLI:-$(sed -n 's/^TEMPORAL_CLI=//p' "$ENV_FILE")}"
fi
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
