#!/usr/bin/env bash
# A 3-member etcd cluster on loopback, as production runs the Config DB, for the HA specs and by
# hand. Debian's etcd (installed by scripts/stack-start.sh); plain http; members started and
# stopped by PID, never by name. The shared stack's etcd is never touched.
#
#   etcd-cluster.sh start [N]       start every member (or member N, 1-3) that is not running;
#                                   waits until the cluster answers; prints SDP_CONFIG_ENDPOINTS=...
#   etcd-cluster.sh kill N          SIGKILL member N (a crash; its data stays for a restart)
#   etcd-cluster.sh stop [--purge]  stop every member; --purge also deletes the data
#   etcd-cluster.sh endpoints       print the client URLs, comma-separated
#
# The instance (defaults in brackets): SDP_ETCD_CLUSTER_DIR [${SDP_STACK_DIR:-/tmp/sdp-slurm-stack}/etcd-cluster],
# SDP_ETCD_CLUSTER_PORT [12400]: member N serves clients on PORT+2(N-1) and peers on PORT+2(N-1)+1.
set -euo pipefail

HERE=${BASH_SOURCE[0]%/*}
[[ $HERE == "${BASH_SOURCE[0]}" ]] && HERE=.
# shellcheck source=scripts/stack-lib.sh
. "$HERE/stack-lib.sh"

log() { echo "etcd-cluster: $*" >&2; }

DIR=$(realpath -m -- "${SDP_ETCD_CLUSTER_DIR:-$STACK_DIR/etcd-cluster}")
if [[ ! $DIR =~ ^/[A-Za-z0-9._/-]+$ || $DIR == / ]]; then
  log "SDP_ETCD_CLUSTER_DIR must be an absolute path of [A-Za-z0-9._/-] only (got '$DIR')"
  exit 2
fi
BASE=${SDP_ETCD_CLUSTER_PORT:-12400}
[[ $BASE =~ ^[0-9]+$ ]] || { log "bad SDP_ETCD_CLUSTER_PORT"; exit 2; }
MEMBERS=(1 2 3)
TIMEOUT=${SDP_STACK_TIMEOUT:-60}

client_port() { echo $((BASE + 2 * ($1 - 1))); }
peer_port() { echo $((BASE + 2 * ($1 - 1) + 1)); }
client_url() { echo "http://127.0.0.1:$(client_port "$1")"; }
endpoints() {
  local n urls=()
  for n in "${MEMBERS[@]}"; do urls+=("$(client_url "$n")"); done
  local IFS=,
  echo "${urls[*]}"
}
initial_cluster() {
  local n parts=()
  for n in "${MEMBERS[@]}"; do parts+=("m$n=http://127.0.0.1:$(peer_port "$n")"); done
  local IFS=,
  echo "${parts[*]}"
}

# The PID of member N if it runs: its PID file, checked against the process's command line.
member_pid() {
  local pid args
  pid=$({ cat "$DIR/m$1.pid"; } 2>/dev/null) || return 1
  proc_alive "$pid" || return 1
  { mapfile -d '' -t args </proc/"$pid"/cmdline; } 2>/dev/null || return 1
  [[ " ${args[*]} " == *" --data-dir $DIR/m$1.data "* ]] || return 1
  echo "$pid"
}

start_member() {
  local n=$1 state=new
  if member_pid "$n" >/dev/null; then return 0; fi
  [[ -d $DIR/m$n.data/member ]] && state=existing
  # From / rather than the caller's folder, which may be removed while the member runs.
  (cd / && exec setsid etcd --name "m$n" --data-dir "$DIR/m$n.data" \
    --listen-client-urls "$(client_url "$n")" --advertise-client-urls "$(client_url "$n")" \
    --listen-peer-urls "http://127.0.0.1:$(peer_port "$n")" \
    --initial-advertise-peer-urls "http://127.0.0.1:$(peer_port "$n")" \
    --initial-cluster "$(initial_cluster)" --initial-cluster-state "$state" \
    --initial-cluster-token sdp-etcd-cluster --heartbeat-interval 100 --election-timeout 1000 \
    --quota-backend-bytes $((1 << 30)) \
    </dev/null >>"$DIR/m$n.log" 2>&1) &
  echo $! >"$DIR/m$n.pid"
  log "member m$n started (pid $!, $(client_url "$n"))"
}

wait_healthy() {
  local deadline=$((SECONDS + TIMEOUT)) n
  for n in "$@"; do
    until ETCDCTL_API=3 etcdctl --endpoints="$(client_url "$n")" --dial-timeout=1s --command-timeout=2s endpoint health >/dev/null 2>&1; do
      if ((SECONDS > deadline)); then
        log "member m$n not healthy after ${TIMEOUT}s; see $DIR/m$n.log"
        exit 1
      fi
      sleep 0.2
    done
  done
}

case ${1:-start} in
  start)
    mkdir -p "$DIR"
    if [[ -n ${2:-} ]]; then
      [[ $2 =~ ^[123]$ ]] || { log "no member '$2'"; exit 2; }
      start_member "$2"
      wait_healthy "$2"
    else
      for n in "${MEMBERS[@]}"; do start_member "$n"; done
      wait_healthy "${MEMBERS[@]}"
    fi
    echo "SDP_CONFIG_ENDPOINTS=$(endpoints)"
    ;;
  kill)
    [[ ${2:-} =~ ^[123]$ ]] || { log "usage: kill 1|2|3"; exit 2; }
    if pid=$(member_pid "$2"); then
      kill -KILL "$pid"
      while proc_alive "$pid"; do sleep 0.02; done
      log "member m$2 killed (pid $pid)"
    fi
    ;;
  stop)
    for n in "${MEMBERS[@]}"; do
      if pid=$(member_pid "$n"); then stop_pid "$pid" 10; fi
      rm -f "$DIR/m$n.pid"
    done
    [[ ${2:-} == --purge ]] && rm -rf -- "$DIR"
    ;;
  endpoints) endpoints ;;
  *)
    log "usage: etcd-cluster.sh start [N] | kill N | stop [--purge] | endpoints"
    exit 2
    ;;
esac
