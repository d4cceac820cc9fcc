#!/usr/bin/env bash
# A second etcd on loopback, secured as a production Config DB is: TLS with a throwaway CA and a
# server certificate for 127.0.0.1/localhost, and authentication on (user root; user sdp with role
# sdp, read-write on every key). Optionally clients must show a certificate of that CA too.
# Idempotent; stopped by PID, never by name. Needs what scripts/stack-start.sh installs (etcd,
# etcdctl) and openssl; installs nothing.
#
#   etcd-secure.sh [start]         start it unless running; print one line; write its env file
#   etcd-secure.sh stop [--purge]  stop it; --purge also deletes its dir (certificates, data)
#
# The instance, so that a spec can run a private one (defaults in brackets):
#   SDP_ETCD_SECURE_DIR [${SDP_STACK_DIR:-/tmp/sdp-slurm-stack}/etcd-secure]
#   SDP_ETCD_SECURE_PORT [12389], SDP_ETCD_SECURE_PEER_PORT [client port + 1]
#   SDP_ETCD_SECURE_CLIENT_CERT_AUTH [0]; 1: a client without a certificate of the CA is refused
# Its env file ($DIR/etcd-secure.env, mode 0600) holds the SDP_CONFIG_* variables of user sdp,
# and ETCD_SECURE_ROOT_PASSWORD. The passwords are random, made with the data dir.
set -euo pipefail

HERE=${BASH_SOURCE[0]%/*}
[[ $HERE == "${BASH_SOURCE[0]}" ]] && HERE=.
# shellcheck source=scripts/stack-lib.sh
. "$HERE/stack-lib.sh"

log() { echo "etcd-secure: $*" >&2; }

DIR=${SDP_ETCD_SECURE_DIR:-$STACK_DIR/etcd-secure}
DIR=$(realpath -m -- "$DIR")
# It is matched in etcd's command line and written unquoted into the env file.
if [[ ! $DIR =~ ^/[A-Za-z0-9._/-]+$ || $DIR == / ]]; then
  log "SDP_ETCD_SECURE_DIR must be an absolute path of [A-Za-z0-9._/-] only (got '$DIR')"
  exit 2
fi
PORT=${SDP_ETCD_SECURE_PORT:-12389}
PEER_PORT=${SDP_ETCD_SECURE_PEER_PORT:-$((PORT + 1))}
CLIENT_CERT_AUTH=${SDP_ETCD_SECURE_CLIENT_CERT_AUTH:-0}
[[ $PORT =~ ^[0-9]+$ && $PEER_PORT =~ ^[0-9]+$ && $CLIENT_CERT_AUTH =~ ^[01]$ ]] ||
  { log "bad SDP_ETCD_SECURE_PORT, SDP_ETCD_SECURE_PEER_PORT or SDP_ETCD_SECURE_CLIENT_CERT_AUTH"; exit 2; }
TIMEOUT=${SDP_STACK_TIMEOUT:-60}

TLS_DIR=$DIR/tls
DATA_DIR=$DIR/data
PID_FILE_SECURE=$DIR/etcd.pid
LOG_FILE_SECURE=$DIR/etcd.log
ENV_FILE_SECURE=$DIR/etcd-secure.env
# Written with the auth setup; without it the data dir is thrown away and made again.
AUTH_DONE=$DIR/auth.done
MARKER=$DIR/.sdp-etcd-secure
ENDPOINT=https://127.0.0.1:$PORT

CTL=(etcdctl "--endpoints=$ENDPOINT" "--cacert=$TLS_DIR/ca.crt" "--cert=$TLS_DIR/client.crt"
  "--key=$TLS_DIR/client.key" --dial-timeout=2s --command-timeout=5s)
export ETCDCTL_API=3

# The PID of this dir's etcd, if it runs (PID file first, then a /proc scan).
etcd_pid() {
  local pid comm args
  for pid in $({ cat "$PID_FILE_SECURE"; } 2>/dev/null) /proc/[0-9]*; do
    pid=${pid#/proc/}
    proc_alive "$pid" || continue
    { read -r comm </proc/"$pid"/comm; } 2>/dev/null || continue
    [[ $comm == etcd ]] || continue
    { mapfile -d '' -t args </proc/"$pid"/cmdline; } 2>/dev/null || continue
    if [[ " ${args[*]} " == *" --data-dir $DATA_DIR "* ]]; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

stop_etcd() {
  local pid
  if pid=$(etcd_pid); then
    log "stopping etcd (pid $pid)"
    stop_pid "$pid" 10
  fi
  rm -f "$PID_FILE_SECURE"
}

if [[ ${1:-start} == stop ]]; then
  [[ ${2:-} == "" || ${2:-} == --purge ]] || { log "usage: $0 [start | stop [--purge]]"; exit 2; }
  if [[ ! -e $MARKER ]]; then
    echo "etcd-secure stopped: nothing at $DIR"
    exit 0
  fi
  exec 8>>"$DIR/lock"
  flock -w "$TIMEOUT" 8 || { log "timed out waiting for $DIR/lock"; exit 1; }
  stop_etcd
  if [[ ${2:-} == --purge ]]; then
    rm -rf -- "$DIR"
    echo "etcd-secure stopped and purged: $DIR"
  else
    echo "etcd-secure stopped: $DIR"
  fi
  exit 0
fi
[[ ${1:-start} == start ]] || { log "usage: $0 [start | stop [--purge]]"; exit 2; }

for c in etcd etcdctl openssl flock setsid; do
  command -v "$c" >/dev/null || { log "$c not found (scripts/stack-start.sh installs etcd and etcdctl)"; exit 1; }
done

mkdir -p "$DIR"
chmod 0700 "$DIR"
[[ -e $MARKER ]] || : >"$MARKER"
exec 8>>"$DIR/lock"
flock -w "$TIMEOUT" 8 || { log "timed out waiting for $DIR/lock"; exit 1; }

# ------------------------------------------------------------ certificates ---
# sign NAME CN EXTENSIONS: an EC P-256 key and a certificate signed by the CA, in $1.tmp.
sign() {
  local dir=$1 name=$2 cn=$3 ext=$4
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -subj "/CN=$cn" \
    -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -days 3650 \
    -set_serial "0x$(openssl rand -hex 12)" -extfile <(printf '%b' "$ext") -out "$dir/$name.crt" 2>/dev/null
  rm -f "$dir/$name.csr"
}

ensure_certificates() {
  local f tmp=$DIR/tls.tmp
  for f in ca.crt server.crt server.key client.crt client.key; do
    [[ -s $TLS_DIR/$f ]] || break
  done
  [[ -s $TLS_DIR/$f ]] && return 0
  log "making a throwaway CA, a server certificate for 127.0.0.1/localhost and a client certificate for sdp"
  rm -rf "$tmp" "$TLS_DIR"
  (umask 077 && mkdir "$tmp")
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 3650 \
    -subj "/CN=sdp-slurm-deployer test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -keyout "$tmp/ca.key" -out "$tmp/ca.crt" 2>/dev/null
  # etcd also dials itself with the server certificate (grpc-gateway): clientAuth as well.
  sign "$tmp" server localhost \
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature\n'
  sign "$tmp" client sdp 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n'
  mv "$tmp" "$TLS_DIR"
}

# ---------------------------------------------------------------- the etcd ---
start_etcd() {
  local args=(--name sdp-secure --data-dir "$DATA_DIR"
    --listen-client-urls "$ENDPOINT" --advertise-client-urls "$ENDPOINT"
    --listen-peer-urls "http://127.0.0.1:$PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$PEER_PORT"
    --initial-cluster "sdp-secure=http://127.0.0.1:$PEER_PORT" --initial-cluster-state new
    --initial-cluster-token sdp-etcd-secure --heartbeat-interval=20 --election-timeout=200
    --cert-file "$TLS_DIR/server.crt" --key-file "$TLS_DIR/server.key" --logger=zap --log-outputs=stderr)
  # etcd asks every client for a certificate as soon as it has a trusted CA file.
  ((CLIENT_CERT_AUTH)) && args+=(--client-cert-auth --trusted-ca-file "$TLS_DIR/ca.crt")
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    log "port $PORT is taken by another program (set SDP_ETCD_SECURE_PORT)"
    exit 1
  fi
  log "starting etcd on $ENDPOINT (client certificates $( ((CLIENT_CERT_AUTH)) && echo required || echo optional))"
  # Closes our descriptors (the lock above all) in the daemon; its own PID stays in $!.
  (
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      ((fd > 2)) && exec {fd}>&-
    done
    # Not the caller's folder, which may be removed while etcd runs.
    cd / || exit 1
    exec setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin etcd "${args[@]}" </dev/null >>"$LOG_FILE_SECURE" 2>&1
  ) &
  echo $! >"$PID_FILE_SECURE"
}

wait_healthy() {
  local pid=$1 deadline
  tick
  deadline=$((NOW_MS + TIMEOUT * 1000))
  # Once authentication is on, etcd 3.4 answers an anonymous health check "user name is empty".
  local user=()
  [[ -e $AUTH_DONE ]] && user=(env "ETCDCTL_USER=sdp:$SDP_PW")
  until "${user[@]}" "${CTL[@]}" endpoint health >/dev/null 2>&1; do
    tick
    if ! proc_alive "$pid" || ((NOW_MS > deadline)); then
      log "FAILED: etcd $(proc_alive "$pid" && echo "not healthy after ${TIMEOUT}s" || echo exited)"
      echo "---- last lines of $LOG_FILE_SECURE ----" >&2
      tail -n 30 "$LOG_FILE_SECURE" >&2
      exit 1
    fi
    sleep 0.05
  done
}

# The running one serves this port in this mode, or it is restarted.
matches_settings() {
  local args
  { mapfile -d '' -t args </proc/"$1"/cmdline; } 2>/dev/null || return 1
  [[ " ${args[*]} " == *" --listen-client-urls $ENDPOINT "* ]] || return 1
  if ((CLIENT_CERT_AUTH)); then [[ " ${args[*]} " == *" --client-cert-auth "* ]]; else [[ " ${args[*]} " != *" --client-cert-auth "* ]]; fi
}

read_passwords() {
  local key value
  ROOT_PW='' SDP_PW=''
  while IFS='=' read -r key value; do
    case $key in
      ETCD_SECURE_ROOT_PASSWORD) ROOT_PW=$value ;;
      SDP_CONFIG_PASSWORD) SDP_PW=$value ;;
    esac
  done <"$ENV_FILE_SECURE" 2>/dev/null || true
  [[ -n $ROOT_PW && -n $SDP_PW ]]
}

# Users root and sdp, role sdp read-write on every key, then authentication on.
enable_auth() {
  log "enabling authentication (users root and sdp)"
  ROOT_PW=$(openssl rand -hex 16)
  SDP_PW=$(openssl rand -hex 16)
  "${CTL[@]}" user add root --interactive=false <<<"$ROOT_PW" >/dev/null
  "${CTL[@]}" user grant-role root root >/dev/null
  "${CTL[@]}" user add sdp --interactive=false <<<"$SDP_PW" >/dev/null
  "${CTL[@]}" role add sdp >/dev/null
  # '' with --prefix is the whole key space.
  "${CTL[@]}" role grant-permission sdp --prefix=true readwrite '' >/dev/null
  "${CTL[@]}" user grant-role sdp sdp >/dev/null
  "${CTL[@]}" auth enable >/dev/null
}

# Specs read this: plain KEY=value lines.
write_env_file() {
  local tmp=$ENV_FILE_SECURE.$$
  (
    umask 077
    printf '%s\n' \
      "SDP_CONFIG_BACKEND=etcd3" \
      "SDP_CONFIG_HOST=127.0.0.1" \
      "SDP_CONFIG_PORT=$PORT" \
      "SDP_CONFIG_PROTOCOL=https" \
      "SDP_CONFIG_CERT=$TLS_DIR/ca.crt" \
      "SDP_CONFIG_CLIENT_CERT=$TLS_DIR/client.crt" \
      "SDP_CONFIG_CLIENT_KEY=$TLS_DIR/client.key" \
      "SDP_CONFIG_USERNAME=sdp" \
      "SDP_CONFIG_PASSWORD=$SDP_PW" \
      "ETCD_SECURE_ROOT_PASSWORD=$ROOT_PW" \
      "ETCD_SECURE_CLIENT_CERT_AUTH=$CLIENT_CERT_AUTH" \
      "ETCD_SECURE_DIR=$DIR" >"$tmp"
  )
  mv -f "$tmp" "$ENV_FILE_SECURE"
}

# -------------------------------------------------------------------- main ---
ensure_certificates
# The passwords live in the env file only: without them, or after a setup cut short, start afresh.
if [[ ! -e $AUTH_DONE ]] || ! read_passwords; then
  stop_etcd
  rm -rf "$DATA_DIR" "$AUTH_DONE"
elif pid=$(etcd_pid) && ! matches_settings "$pid"; then
  log "running with other settings: restarting"
  stop_etcd
fi
if pid=$(etcd_pid); then
  echo "$pid" >"$PID_FILE_SECURE"
else
  mkdir -p "$DATA_DIR"
  chmod 0700 "$DATA_DIR"
  start_etcd
  read -r pid <"$PID_FILE_SECURE"
fi
wait_healthy "$pid"
if [[ ! -e $AUTH_DONE ]]; then
  enable_auth
  write_env_file
  : >"$AUTH_DONE"
fi
read_passwords || { log "no passwords in $ENV_FILE_SECURE; stop it with --purge and start again"; exit 1; }
write_env_file
ETCDCTL_USER="sdp:$SDP_PW" "${CTL[@]}" get --keys-only sdp-etcd-secure-probe >/dev/null ||
  { log "FAILED: user sdp cannot read"; exit 1; }
echo "etcd-secure up: $ENDPOINT, user sdp (env: $ENV_FILE_SECURE)"
