#!/usr/bin/env bash
# Debian's Prometheus for the kit in deploy/prometheus: installs it, and starts a throwaway server
# on loopback that scrapes given deployers and evaluates the kit's alerting rules, for the live
# dashboard spec (spec/deploy/dashboard.live.spec.ts) and by hand.
#
#   scripts/prometheus.sh install                 apt-get install prometheus when promtool or
#                                                 prometheus is missing (as root); else nothing
#   scripts/prometheus.sh start DIR TARGET...     a server with its data and log in DIR, scraping
#                                                 each TARGET (host:port of a deployer's metrics
#                                                 port) as job sdp-slurm-deployer; prints
#                                                 PROMETHEUS_URL=http://127.0.0.1:PORT
#   scripts/prometheus.sh stop DIR                stops the server started in DIR (by its PID file)
#
# PROMETHEUS_PORT picks the port (default: a free one), SCRAPE_INTERVAL the scrape and rule
# evaluation interval (default 1s: a spec wants data within seconds; a site scrapes every 15-60 s).
# The server is started and stopped by the PID it records in DIR; no other Prometheus is touched,
# and the package's own service is never started (policy-rc.d while installing).
set -euo pipefail

HERE=${BASH_SOURCE[0]%/*}
[[ $HERE == "${BASH_SOURCE[0]}" ]] && HERE=.
# shellcheck source=scripts/stack-lib.sh
. "$HERE/stack-lib.sh"
log() { echo "prometheus: $*" >&2; }
ROOT=$(cd -- "$HERE/.." && pwd -P)
JOB=sdp-slurm-deployer

usage() {
  log "usage: $0 install | start DIR TARGET... | stop DIR"
  exit 2
}

installed() { command -v promtool >/dev/null && command -v prometheus >/dev/null; }

install_prometheus() {
  installed && return 0
  require_root install
  local created_policy= rc=0
  log "installing Debian's prometheus"
  # No systemd here: the package's maintainer scripts must not start the system's server on :9090.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  {
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 prometheus ||
      { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 prometheus; }; }
  } >&2 || rc=$?
  [[ -n $created_policy ]] && rm -f /usr/sbin/policy-rc.d
  ((rc == 0)) || { log "apt-get failed (exit $rc)"; exit 1; }
  installed || { log "prometheus installed but promtool or prometheus not found"; exit 1; }
}

# The PID of the server started in $DIR, if it runs: the PID file, checked against a recycled PID
# by the comm and by our configuration's path on its command line.
server_pid() {
  local pid comm args
  { read -r pid <"$DIR/prometheus.pid"; } 2>/dev/null || return 1
  proc_alive "$pid" || return 1
  { read -r comm </proc/"$pid"/comm; } 2>/dev/null || return 1
  [[ $comm == prometheus ]] || return 1
  { mapfile -d '' -t args </proc/"$pid"/cmdline; } 2>/dev/null || return 1
  [[ " ${args[*]} " == *"$DIR/prometheus.yml"* ]] || return 1
  echo "$pid"
}

# Below the kernel's ephemeral range (32768 on), where outgoing connections take their ports.
free_port() {
  local port tries
  for ((tries = 0; tries < 50; tries++)); do
    port=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return 0; }
  done
  return 1
}

write_config() {
  local target targets=
  for target; do targets+="\"$target\", "; done
  cat >"$DIR/prometheus.yml" <<EOF
# Written by scripts/prometheus.sh; rewritten at each start.
global:
  scrape_interval: $INTERVAL
  evaluation_interval: $INTERVAL
rule_files:
  - $ROOT/deploy/prometheus/*.yml
scrape_configs:
  - job_name: $JOB
    scrape_timeout: $INTERVAL
    static_configs:
      - targets: [${targets%, }]
EOF
}

start_server() {
  local port pid deadline tries
  installed || install_prometheus
  mkdir -p "$DIR/data"
  if pid=$(server_pid); then
    log "stopping the server already started in $DIR (pid $pid)"
    stop_pid "$pid" 10
  fi
  write_config "$@"
  promtool check config "$DIR/prometheus.yml" >"$DIR/check.log" 2>&1 || { cat "$DIR/check.log" >&2; exit 1; }
  # A port found free may be taken before the server binds it: another try with another port.
  for ((tries = 0; tries < 3; tries++)); do
    port=${PROMETHEUS_PORT:-$(free_port)} || { log "no free port found"; exit 1; }
    setsid prometheus --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/data" \
      --storage.tsdb.retention.time=1d --web.listen-address="127.0.0.1:$port" </dev/null >"$DIR/prometheus.log" 2>&1 &
    pid=$!
    echo "$pid" >"$DIR/prometheus.pid"
    tick
    deadline=$((NOW_MS + 30000))
    while proc_alive "$pid"; do
      if http_get "$port" /-/ready && [[ $HTTP_STATUS == 200 ]]; then
        echo "PROMETHEUS_URL=http://127.0.0.1:$port"
        return 0
      fi
      tick
      ((NOW_MS < deadline)) || { stop_pid "$pid" 5; log "not ready after 30 s; see $DIR/prometheus.log"; exit 1; }
      sleep 0.1
    done
    [[ -z ${PROMETHEUS_PORT:-} ]] && grep -q 'address already in use' "$DIR/prometheus.log" || break
  done
  log "prometheus exited at start:"
  tail -n 20 "$DIR/prometheus.log" >&2
  exit 1
}

ACTION=${1:-}
case $ACTION in
  install)
    install_prometheus
    ;;
  start | stop)
    [[ -n ${2:-} ]] || usage
    [[ $ACTION == start ]] && mkdir -p "$2"
    # Nothing to stop in a folder that is gone.
    [[ -d $2 ]] || exit 0
    DIR=$(cd -- "$2" && pwd -P)
    shift 2
    if [[ $ACTION == start ]]; then
      (($# > 0)) || usage
      INTERVAL=${SCRAPE_INTERVAL:-1s}
      start_server "$@"
    elif pid=$(server_pid); then
      stop_pid "$pid" 10
      rm -f "$DIR/prometheus.pid"
    fi
    ;;
  *) usage ;;
esac
