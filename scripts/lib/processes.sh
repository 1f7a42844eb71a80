# Background server processes of scripts/services.sh and scripts/cluster.sh, sourced by both: one
# pid file ($STATE/NAME.pid) and one log ($STATE/logs/NAME.log, appended across restarts) per
# process. The sourcing script sets STATE and defines log and die.

pid_alive() { [[ -f "$STATE/$1.pid" ]] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # name, seconds, command...
  local name="$1" secs="$2"; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    pid_alive "$name" || die "$name exited during start-up; see $STATE/logs/$name.log:
$(tail -n 20 "$STATE/logs/$name.log" 2>/dev/null)"
    ((SECONDS < deadline)) || die "$name not ready after ${secs}s; see $STATE/logs/$name.log"
    sleep 0.5
  done
}

start_bg() { # name, command...: in a session of its own, so that stop_bg ends all it started
  local name="$1"; shift
  setsid "$@" >>"$STATE/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$STATE/$name.pid"
}

stop_bg() { # name: TERM to its process group, KILL after 20 s (a Temporal service drains first)
  local name="$1"
  if pid_alive "$name"; then
    local pid; pid="$(cat "$STATE/$name.pid")"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    log "stopped $name"
  fi
  rm -f "$STATE/$name.pid"
}
