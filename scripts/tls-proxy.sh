#!/usr/bin/env bash
# Debian's nginx as a TLS proxy in front of one release's slurmrestd of the local stack, on
# loopback ports of its own: https on PORT_BASE+43, and https that requires a client certificate
# on PORT_BASE+44 (22.05: 16843/16844, 24.11: 17843/17844, 26.05: 18843/18844). For the live
# TLS specs (spec/e2e/tls.live.spec.ts), and by hand.
#
#   scripts/tls-proxy.sh start RELEASE [CERT_DIR]
#   scripts/tls-proxy.sh stop RELEASE
#
# CERT_DIR holds server.pem and server.key (the proxy's certificate, for 127.0.0.1), and
# optionally client-ca.pem: the CA client certificates must be signed by, which turns on the
# second port. Without CERT_DIR, a throwaway CA (ca.pem) and server certificate are made with
# openssl in the proxy's folder, $SDP_STACK_DIR/tls-proxy-RELEASE. start installs nginx when
# missing (apt-get, as root), restarts this release's proxy with those certificates, and prints
# its settings as env lines (TLS_PROXY_URL=..., also written to proxy.env in its folder).
# Its nginx is started and stopped by the PID it records; no other nginx process is touched.
set -euo pipefail

HERE=${BASH_SOURCE[0]%/*}
[[ $HERE == "${BASH_SOURCE[0]}" ]] && HERE=.
# shellcheck source=scripts/stack-lib.sh
. "$HERE/stack-lib.sh"
log() { echo "tls-proxy: $*" >&2; }

usage() {
  log "usage: $0 start RELEASE [CERT_DIR] | stop RELEASE   (RELEASE: 22.05, 24.11 or 26.05)"
  exit 2
}

ACTION=${1:-}
RELEASE=${2:-}
CERT_DIR=${3:-}
case $RELEASE in
  22.05) PORT_BASE=16800 ;;
  24.11) PORT_BASE=17800 ;;
  26.05) PORT_BASE=18800 ;;
  *) usage ;;
esac
REST_PORT=$((PORT_BASE + 20))
HTTPS_PORT=$((PORT_BASE + 43))
CLIENT_CERT_PORT=$((PORT_BASE + 44))
PROXY_DIR=$STACK_DIR/tls-proxy-$RELEASE
CONF=$PROXY_DIR/nginx.conf
PID_FILE=$PROXY_DIR/nginx.pid
ENV_OUT=$PROXY_DIR/proxy.env

port_up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

nginx_bin() {
  command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; }
}

install_nginx() {
  require_root "$@"
  local created_policy= rc=0
  # One install on the machine at a time: the lock above is per release, and the suite runs the
  # 22.05 and 26.05 proxies' specs at once (scripts/test.sh). The one that waited finds nginx there.
  exec 8>"$STACK_DIR/nginx-install.lock"
  flock 8
  if [[ -n $(nginx_bin) ]]; then exec 8>&-; return; fi
  log "installing Debian's nginx"
  # No systemd here: the package's maintainer scripts must not start the system's nginx on :80.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  {
    apt-get update -q &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o DPkg::Lock::Timeout=300 \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        nginx openssl
  } >&2 || rc=$?
  [[ -n $created_policy ]] && rm -f /usr/sbin/policy-rc.d
  ((rc == 0)) || { log "apt-get failed (exit $rc)"; exit 1; }
  [[ -n $(nginx_bin) ]] || { log "nginx installed but not found"; exit 1; }
  exec 8>&-
}

# The PID of this release's proxy (its master), if it runs: the PID file, checked against a
# recycled PID by the comm and by our configuration's path on its command line.
proxy_pid() {
  local pid comm args
  { read -r pid <"$PID_FILE"; } 2>/dev/null || return 1
  proc_alive "$pid" || return 1
  { read -r comm </proc/"$pid"/comm; } 2>/dev/null || return 1
  [[ $comm == nginx ]] || return 1
  { mapfile -d '' -t args </proc/"$pid"/cmdline; } 2>/dev/null || return 1
  [[ " ${args[*]} " == *"$CONF"* ]] || return 1
  echo "$pid"
}

stop_proxy() {
  local pid
  if pid=$(proxy_pid); then
    log "stopping the $RELEASE proxy (nginx pid $pid)"
    stop_pid "$pid" 10
  fi
  rm -f "$PID_FILE"
}

make_certificates() {
  local dir=$1 ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  log "making a throwaway CA and server certificate in $dir"
  openssl req -x509 "${ec[@]}" -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 30 -subj "/CN=sdp-slurm-deployer tls-proxy CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  openssl req "${ec[@]}" -keyout "$dir/server.key" -out "$dir/server.csr" -subj /CN=127.0.0.1 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >"$dir/server.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -out "$dir/server.pem" -days 30 \
    -extfile "$dir/server.ext" 2>/dev/null
}

# One server block: TLS on PORT in front of slurmrestd, plus the given extra directives.
server_block() {
  local port=$1 extra=$2
  cat <<EOF
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $CERT_DIR/server.pem;
    ssl_certificate_key $CERT_DIR/server.key;
$extra
    location / {
      # A connection per request to slurmrestd: it closes idle ones itself (22.05 after ~27 s),
      # and a POST nginx sent on one just closed would come back as a 502 of unknown outcome.
      proxy_pass http://127.0.0.1:$REST_PORT;
      proxy_http_version 1.1;
      proxy_buffering off;
      proxy_request_buffering off;
      # A throttled slurmrestd answers a submit up to 10 minutes late; the deployer waits that long.
      proxy_read_timeout 660s;
      proxy_send_timeout 660s;
    }
  }
EOF
}

write_conf() {
  local client_block=
  if [[ -e $CERT_DIR/client-ca.pem ]]; then
    client_block=$(server_block "$CLIENT_CERT_PORT" "    ssl_client_certificate $CERT_DIR/client-ca.pem;
    ssl_verify_client on;
    ssl_verify_depth 2;")
  fi
  cat >"$CONF.$$" <<EOF
# Written by scripts/tls-proxy.sh for Slurm $RELEASE; rewritten at each start.
worker_processes 1;
pid $PID_FILE;
error_log $PROXY_DIR/error.log warn;
events { worker_connections 256; }
http {
  access_log $PROXY_DIR/access.log;
  client_body_temp_path $PROXY_DIR/tmp/body;
  proxy_temp_path $PROXY_DIR/tmp/proxy;
  fastcgi_temp_path $PROXY_DIR/tmp/fastcgi;
  uwsgi_temp_path $PROXY_DIR/tmp/uwsgi;
  scgi_temp_path $PROXY_DIR/tmp/scgi;
  client_max_body_size 64m;
$(server_block "$HTTPS_PORT" "")
$client_block
}
EOF
  mv -f "$CONF.$$" "$CONF"
}

start_proxy() {
  local nginx deadline
  nginx=$(nginx_bin) || true
  [[ -n $nginx ]] || { install_nginx "$@"; nginx=$(nginx_bin); }
  mkdir -p "$PROXY_DIR/tmp"
  # Workers of a root master run as nobody: they may need the temp folders.
  [[ $EUID -eq 0 ]] && chown nobody "$PROXY_DIR/tmp"
  if [[ -z $CERT_DIR ]]; then
    CERT_DIR=$PROXY_DIR/certs
    mkdir -p "$CERT_DIR"
    [[ -s $CERT_DIR/server.pem && -s $CERT_DIR/server.key ]] || make_certificates "$CERT_DIR"
  fi
  CERT_DIR=$(cd -- "$CERT_DIR" && pwd -P)
  [[ -r $CERT_DIR/server.pem && -r $CERT_DIR/server.key ]] || { log "$CERT_DIR must hold server.pem and server.key"; exit 2; }
  stop_proxy
  for port in "$HTTPS_PORT" "$CLIENT_CERT_PORT"; do
    port_up "$port" && { log "port $port is taken by another process"; exit 1; }
  done
  write_conf
  # -e: nginx opens its error log before reading the configuration; not the system's.
  # 9>&-: nginx must not inherit the lock, or it would hold it as long as it runs.
  "$nginx" -q -t -c "$CONF" -p "$PROXY_DIR" -e "$PROXY_DIR/error.log" >&2 9>&- || { log "nginx refused $CONF"; exit 1; }
  "$nginx" -c "$CONF" -p "$PROXY_DIR" -e "$PROXY_DIR/error.log" >&2 9>&- || { log "nginx did not start (see $PROXY_DIR/error.log)"; exit 1; }
  tick
  deadline=$((NOW_MS + 10000))
  until proxy_pid >/dev/null && port_up "$HTTPS_PORT" && { [[ ! -e $CERT_DIR/client-ca.pem ]] || port_up "$CLIENT_CERT_PORT"; }; do
    tick
    ((NOW_MS < deadline)) || { log "nginx is not listening after 10 s (see $PROXY_DIR/error.log)"; tail -n 20 "$PROXY_DIR/error.log" >&2 || true; exit 1; }
    sleep 0.05
  done
  {
    echo "TLS_PROXY_URL=https://127.0.0.1:$HTTPS_PORT"
    [[ -e $CERT_DIR/client-ca.pem ]] && echo "TLS_PROXY_CLIENT_CERT_URL=https://127.0.0.1:$CLIENT_CERT_PORT"
    [[ -e $CERT_DIR/ca.pem ]] && echo "TLS_PROXY_CA=$CERT_DIR/ca.pem"
    echo "TLS_PROXY_UPSTREAM=http://127.0.0.1:$REST_PORT"
    echo "TLS_PROXY_PID=$(proxy_pid)"
    echo "TLS_PROXY_ACCESS_LOG=$PROXY_DIR/access.log"
  } >"$ENV_OUT"
  cat "$ENV_OUT"
}

mkdir -p "$PROXY_DIR"
# One start or stop at a time per release.
exec 9>"$PROXY_DIR/lock"
flock 9
case $ACTION in
  start) start_proxy "$@" ;;
  stop) stop_proxy; rm -f "$ENV_OUT" ;;
  *) usage ;;
esac
