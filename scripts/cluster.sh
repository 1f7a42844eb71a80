#!/usr/bin/env bash
# A production-like Temporal cluster on 127.0.0.1: PostgreSQL 15 (persistence and visibility,
# schemas set up with Temporal's SQL tool) and the Temporal server v1.32.2 run as four separate
# processes (frontend, history, matching, worker) from one config file
# (scripts/cluster/temporal-server.yaml), then the namespace and the product's search attributes
# registered by the product's admin command (`npm run cli -- setup-namespace`). The dev server of
# scripts/services.sh keeps running beside it; FerretDB and S3 still come from there.
#
#   bash scripts/cluster.sh install | up | down | status | env | reset | stop NAME | start NAME | restart NAME
#     install  builds the server into the cache and installs PostgreSQL, where missing
#     up       installs what is missing (builds the server once into the cache, ~8 min cold;
#              apt-installs PostgreSQL if absent), starts what is not running, registers the
#              namespace; idempotent, and quick when everything runs already
#     down     stops the Temporal services and PostgreSQL (data kept; `reset` deletes it)
#     status   each process with its pid and port; exit 1 if one is not running
#     NAME     postgres | frontend | history | matching | worker (fault injection: restart history
#              mid-batch, ...)
#
# Env file, written by `up` once the cluster accepts workflows: $GA_CLUSTER_STATE_DIR/env with
# TEMPORAL_ADDRESS (the frontend), TEMPORAL_NAMESPACE, an empty TEMPORAL_UI_URL (no UI) and the
# GA_CLUSTER_* ports. Point anything at the cluster by exporting it over the services env file:
#   set -a; . .cluster/env; set +a; npm run worker        (or: npm run test:cluster)
#
# Overridable (defaults in brackets), so two clusters can run side by side:
#   GA_CACHE_DIR [~/.cache/grouped-analysis]  server binaries, SQL tool and schemas
#   GA_CLUSTER_STATE_DIR [<repo>/.cluster]     PostgreSQL data, logs, pids, env file (root runs
#                                              PostgreSQL as the `postgres` user; if that user
#                                              cannot reach this folder, the data goes to its home)
#   GA_CLUSTER_NAMESPACE [default]
#   GA_CLUSTER_PG_PORT [22432]
#   GA_CLUSTER_FRONTEND_PORT [22233] (gRPC: TEMPORAL_ADDRESS), GA_CLUSTER_FRONTEND_HTTP_PORT [22243]
#   GA_CLUSTER_HISTORY_PORT [22234], GA_CLUSTER_MATCHING_PORT [22235], GA_CLUSTER_WORKER_PORT [22239]
#   GA_CLUSTER_<SERVICE>_MEMBERSHIP_PORT [229xx: frontend 22933, history 22934, matching 22935, worker 22939]
#   GA_CLUSTER_<SERVICE>_METRICS_PORT [228xx: frontend 22833, history 22834, matching 22835, worker 22839]
#                                              Prometheus, http://127.0.0.1:PORT/metrics
#   GA_CLUSTER_HISTORY_SHARDS [4]              fixed when the cluster is first started
#   GA_CLUSTER_LOG_LEVEL [warn]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${GA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/grouped-analysis}"
STATE="${GA_CLUSTER_STATE_DIR:-$ROOT/.cluster}"
ENV_FILE="$STATE/env"

TEMPORAL_SERVER_VERSION="v1.32.2"
GO_TOOLCHAIN="go1.27.3"          # the server module needs Go >= 1.26.10; the Go proxy serves it
SERVER_DIR="$CACHE/bin/temporal-server-$TEMPORAL_SERVER_VERSION"  # server, sql, schema/
CONFIG_FILE="$ROOT/scripts/cluster/temporal-server.yaml"
NAMESPACE="${GA_CLUSTER_NAMESPACE:-default}"

export GA_CLUSTER_PG_PORT="${GA_CLUSTER_PG_PORT:-22432}"
export GA_CLUSTER_FRONTEND_PORT="${GA_CLUSTER_FRONTEND_PORT:-22233}"
export GA_CLUSTER_FRONTEND_HTTP_PORT="${GA_CLUSTER_FRONTEND_HTTP_PORT:-22243}"
export GA_CLUSTER_HISTORY_PORT="${GA_CLUSTER_HISTORY_PORT:-22234}"
export GA_CLUSTER_MATCHING_PORT="${GA_CLUSTER_MATCHING_PORT:-22235}"
export GA_CLUSTER_WORKER_PORT="${GA_CLUSTER_WORKER_PORT:-22239}"
export GA_CLUSTER_FRONTEND_MEMBERSHIP_PORT="${GA_CLUSTER_FRONTEND_MEMBERSHIP_PORT:-22933}"
export GA_CLUSTER_HISTORY_MEMBERSHIP_PORT="${GA_CLUSTER_HISTORY_MEMBERSHIP_PORT:-22934}"
export GA_CLUSTER_MATCHING_MEMBERSHIP_PORT="${GA_CLUSTER_MATCHING_MEMBERSHIP_PORT:-22935}"
export GA_CLUSTER_WORKER_MEMBERSHIP_PORT="${GA_CLUSTER_WORKER_MEMBERSHIP_PORT:-22939}"
GA_CLUSTER_FRONTEND_METRICS_PORT="${GA_CLUSTER_FRONTEND_METRICS_PORT:-22833}"
GA_CLUSTER_HISTORY_METRICS_PORT="${GA_CLUSTER_HISTORY_METRICS_PORT:-22834}"
GA_CLUSTER_MATCHING_METRICS_PORT="${GA_CLUSTER_MATCHING_METRICS_PORT:-22835}"
GA_CLUSTER_WORKER_METRICS_PORT="${GA_CLUSTER_WORKER_METRICS_PORT:-22839}"
export GA_CLUSTER_HISTORY_SHARDS="${GA_CLUSTER_HISTORY_SHARDS:-4}"
export GA_CLUSTER_DYNAMIC_CONFIG="$ROOT/scripts/cluster/dynamicconfig.yaml"

# Start order (history first, alone: see up): the frontend answers only once history and matching
# have joined the ring; the worker service (schedules, batch operations) is a client of the frontend.
SERVICES=(history matching frontend worker)

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

port_of() { local v="GA_CLUSTER_${1^^}_PORT"; echo "${!v}"; }
metrics_port_of() { local v="GA_CLUSTER_${1^^}_METRICS_PORT"; echo "${!v}"; }

install_server() {
  [[ -x "$SERVER_DIR/server" && -x "$SERVER_DIR/sql" && -d "$SERVER_DIR/schema" ]] && return 0
  mkdir -p "$CACHE/bin"
  # One build at a time: a second `up` waits for the first one's build instead of starting another.
  exec 9>"$SERVER_DIR.lock"
  flock 9
  if [[ ! -x "$SERVER_DIR/server" || ! -x "$SERVER_DIR/sql" || ! -d "$SERVER_DIR/schema" ]]; then
    command -v go >/dev/null || die "Go is required to build the Temporal server (any Go >= 1.21 fetches $GO_TOOLCHAIN itself)"
    log "building the Temporal server and SQL tool $TEMPORAL_SERVER_VERSION into $SERVER_DIR (about 8 minutes cold on 2 cores)"
    local tmp; tmp="$(mktemp -d "$SERVER_DIR.build.XXXXXX")" && chmod 755 "$tmp"
    GOTOOLCHAIN="$GO_TOOLCHAIN" GOBIN="$tmp" CGO_ENABLED=0 go install \
      "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION" \
      || { rm -rf "$tmp"; die "building the Temporal server failed (see the go output above; is the Go module proxy reachable?)"; }
    # The schemas of this server version, kept with its binaries (the module cache may be cleaned).
    local src; src="$(GOTOOLCHAIN="$GO_TOOLCHAIN" GOFLAGS=-mod=mod go mod download -json "go.temporal.io/server@$TEMPORAL_SERVER_VERSION" \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')" || { rm -rf "$tmp"; die "could not find the go.temporal.io/server module's schemas"; }
    mkdir -p "$tmp/schema" && cp -r "$src/schema/postgresql" "$tmp/schema/" && chmod -R u+w "$tmp/schema"
    rm -rf "$SERVER_DIR" && mv "$tmp" "$SERVER_DIR"
  fi
  exec 9>&-
}

# PostgreSQL's binaries: the newest Debian cluster version, else whatever is on PATH.
pg_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do [[ -x "$d/initdb" ]] && { echo "$d"; return; }; done
  command -v initdb >/dev/null && dirname "$(command -v initdb)"
}

install_postgres() {
  [[ -n "$(pg_bin)" ]] && return 0
  [[ $EUID -eq 0 ]] || die "PostgreSQL is not installed: sudo apt-get install postgresql"
  log "installing PostgreSQL (Debian package postgresql)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; } \
    || die "could not install the Debian package postgresql"
  # The package starts its own cluster on 5432; this script runs its own on GA_CLUSTER_PG_PORT.
  [[ -n "$(pg_bin)" ]] || die "the postgresql package did not provide initdb"
}

# PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user.
as_pg() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

source "$ROOT/scripts/lib/processes.sh"

psql_q() { # database, query: prints the single value
  "$(pg_bin)/psql" -X -q -t -A -h 127.0.0.1 -p "$GA_CLUSTER_PG_PORT" -U temporal -d "$1" -c "$2"
}

# PostgreSQL's data folder: in the state folder, unless root runs this and the `postgres` user
# cannot reach that folder (a checkout under /root, say): then in that user's home, one per state
# folder.
pg_data_dir() {
  if [[ $EUID -eq 0 ]] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$STATE" 2>/dev/null; then
    echo "$(getent passwd postgres | cut -d: -f6)/ga-cluster-$(printf '%s' "$STATE" | sha256sum | cut -c1-12)"
  else
    echo "$STATE/postgres"
  fi
}

up_postgres() {
  pid_alive postgres && return 0
  port_busy "$GA_CLUSTER_PG_PORT" && die "port $GA_CLUSTER_PG_PORT is taken by another process; set GA_CLUSTER_PG_PORT"
  local bin data; bin="$(pg_bin)"; data="$(pg_data_dir)"
  if [[ ! -f "$data/PG_VERSION" ]]; then
    log "creating the PostgreSQL data folder $data"
    rm -rf "$data" && mkdir -p "$data" && chmod 700 "$data"
    if [[ $EUID -eq 0 ]]; then chown postgres: "$data"; fi
    # Local only: trust on 127.0.0.1 (no Unix socket); a real deployment uses passwords or TLS.
    as_pg "$bin/initdb" -D "$data" -U temporal --auth=trust -E UTF8 --no-locale >>"$STATE/logs/postgres.log" 2>&1 \
      || die "initdb failed; see $STATE/logs/postgres.log"
  fi
  log "starting PostgreSQL on 127.0.0.1:$GA_CLUSTER_PG_PORT (data: $data)"
  # The server logs to its inherited stderr: a file opened here, whoever runs PostgreSQL. Four
  # Temporal processes hold up to 30 connections each.
  as_pg "$bin/pg_ctl" start -w -t 60 -D "$data" \
    -o "-p $GA_CLUSTER_PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200" \
    >>"$STATE/logs/postgres.log" 2>&1 </dev/null \
    || die "PostgreSQL did not start; see $STATE/logs/postgres.log:
$(tail -n 20 "$STATE/logs/postgres.log")"
  head -n 1 "$data/postmaster.pid" >"$STATE/postgres.pid"
}

# Each database made and brought to this server version's schema: idempotent (update-schema on a
# current schema does nothing).
setup_schemas() {
  local db dir
  for db in temporal temporal_visibility; do
    dir="$SERVER_DIR/schema/postgresql/v12/$([[ $db == temporal ]] && echo temporal || echo visibility)/versioned"
    local tool=("$SERVER_DIR/sql" --plugin postgres12 --ep 127.0.0.1 -p "$GA_CLUSTER_PG_PORT" -u temporal --pw temporal --db "$db")
    if [[ "$(psql_q postgres "select 1 from pg_database where datname = '$db'")" != 1 ]]; then
      "${tool[@]}" create-database >>"$STATE/logs/schema.log" 2>&1 || die "creating database $db failed; see $STATE/logs/schema.log"
    fi
    if [[ "$(psql_q "$db" "select 1 from information_schema.tables where table_name = 'schema_version'")" != 1 ]]; then
      "${tool[@]}" setup-schema -v 0.0 >>"$STATE/logs/schema.log" 2>&1 || die "setting up the schema of $db failed; see $STATE/logs/schema.log"
    fi
    "${tool[@]}" update-schema -d "$dir" >>"$STATE/logs/schema.log" 2>&1 || die "updating the schema of $db failed; see $STATE/logs/schema.log"
  done
}

start_service() { # name
  local name="$1" port; port="$(port_of "$1")"
  pid_alive "$name" && return 0
  port_busy "$port" && die "port $port ($name) is taken by another process; set GA_CLUSTER_${name^^}_PORT"
  GA_CLUSTER_METRICS_PORT="$(metrics_port_of "$name")" \
    start_bg "$name" "$SERVER_DIR/server" --config-file "$CONFIG_FILE" --allow-no-auth start --service "$name"
  log "started $name (pid $(cat "$STATE/$name.pid")) on 127.0.0.1:$port"
}

# The product's admin command: creates the namespace and the search attributes the workflows set
# if missing, then waits until the frontend accepts them (a fresh cluster takes some seconds).
register_namespace() {
  local node_bin; node_bin="$(bash "$ROOT/scripts/ensure-node.sh")"
  (cd "$ROOT" && PATH="$node_bin:$PATH" bash scripts/ensure-node-deps.sh >&2 \
    && TEMPORAL_ADDRESS="127.0.0.1:$GA_CLUSTER_FRONTEND_PORT" TEMPORAL_NAMESPACE="$NAMESPACE" PATH="$node_bin:$PATH" \
      node --import tsx src/cli.ts setup-namespace --timeout 120) \
    || die "registering namespace $NAMESPACE failed (output above); server logs: $STATE/logs/"
}

write_env() {
  cat >"$ENV_FILE.tmp" <<EOF
# Written by scripts/cluster.sh; export it over the services env file to run against the cluster.
TEMPORAL_ADDRESS=127.0.0.1:$GA_CLUSTER_FRONTEND_PORT
TEMPORAL_NAMESPACE=$NAMESPACE
TEMPORAL_UI_URL=
GA_CLUSTER_PG_PORT=$GA_CLUSTER_PG_PORT
GA_CLUSTER_FRONTEND_PORT=$GA_CLUSTER_FRONTEND_PORT
GA_CLUSTER_FRONTEND_HTTP_PORT=$GA_CLUSTER_FRONTEND_HTTP_PORT
GA_CLUSTER_HISTORY_PORT=$GA_CLUSTER_HISTORY_PORT
GA_CLUSTER_MATCHING_PORT=$GA_CLUSTER_MATCHING_PORT
GA_CLUSTER_WORKER_PORT=$GA_CLUSTER_WORKER_PORT
GA_CLUSTER_FRONTEND_METRICS_PORT=$GA_CLUSTER_FRONTEND_METRICS_PORT
GA_CLUSTER_HISTORY_METRICS_PORT=$GA_CLUSTER_HISTORY_METRICS_PORT
GA_CLUSTER_MATCHING_METRICS_PORT=$GA_CLUSTER_MATCHING_METRICS_PORT
GA_CLUSTER_WORKER_METRICS_PORT=$GA_CLUSTER_WORKER_METRICS_PORT
EOF
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

prepare() {
  install_server; install_postgres
  mkdir -p "$STATE/logs"
}

up() {
  prepare
  up_postgres
  setup_schemas
  # History first, alone: on a fresh database the first service to start writes the cluster
  # metadata, and services starting together race to do so (the losers exit).
  start_service history
  wait_for history 60 port_busy "$GA_CLUSTER_HISTORY_PORT"
  local s
  for s in "${SERVICES[@]}"; do start_service "$s"; done
  for s in "${SERVICES[@]}"; do wait_for "$s" 60 port_busy "$(port_of "$s")"; done
  register_namespace
  write_env
  log "cluster up: TEMPORAL_ADDRESS=127.0.0.1:$GA_CLUSTER_FRONTEND_PORT namespace $NAMESPACE; env file: $ENV_FILE"
}

stop_one() {
  if [[ "$1" != postgres ]]; then stop_bg "$1"; return; fi
  local data; data="$(pg_data_dir)"
  if [[ -f "$data/PG_VERSION" ]] && as_pg "$(pg_bin)/pg_ctl" status -D "$data" >/dev/null 2>&1; then
    as_pg "$(pg_bin)/pg_ctl" stop -w -t 60 -D "$data" -m fast >/dev/null
    log "stopped postgres"
  fi
  rm -f "$STATE/postgres.pid"
}

# The Temporal services first: they hold PostgreSQL connections.
down() { local s; for s in worker frontend matching history postgres; do stop_one "$s"; done; }

status() {
  local rc=0 s
  for s in postgres "${SERVICES[@]}"; do
    local port; [[ $s == postgres ]] && port="$GA_CLUSTER_PG_PORT" || port="$(port_of "$s")"
    local extra=""; [[ $s != postgres ]] && extra=", metrics 127.0.0.1:$(metrics_port_of "$s")"
    if pid_alive "$s"; then echo "$s: running (pid $(cat "$STATE/$s.pid"), 127.0.0.1:$port$extra)"
    else echo "$s: stopped (127.0.0.1:$port)"; rc=1; fi
  done
  [[ -f "$ENV_FILE" ]] && echo "env file: $ENV_FILE (TEMPORAL_ADDRESS=127.0.0.1:$GA_CLUSTER_FRONTEND_PORT)"
  return $rc
}

valid_name() { [[ " postgres ${SERVICES[*]} " == *" $1 "* ]] || die "unknown service '$1' (postgres, ${SERVICES[*]})"; }

start_named() {
  prepare
  if [[ "$1" == postgres ]]; then up_postgres; else start_service "$1"; wait_for "$1" 60 port_busy "$(port_of "$1")"; fi
}

case "${1:-}" in
  install) install_server; install_postgres ;;
  up) up ;;
  down) down ;;
  status) status ;;
  env) cat "$ENV_FILE" ;;
  reset) down; rm -rf "$(pg_data_dir)" "$STATE" ;;
  # One service, for fault-injection tests (restart history mid-batch, ...).
  stop) valid_name "${2:?service name}"; stop_one "$2" ;;
  start) valid_name "${2:?service name}"; start_named "$2" ;;
  restart) valid_name "${2:?service name}"; stop_one "$2"; start_named "$2" ;;
  *) echo "usage: $0 install|up|down|status|env|reset|stop NAME|start NAME|restart NAME" >&2; exit 2 ;;
esac
