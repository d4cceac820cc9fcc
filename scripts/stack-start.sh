#!/usr/bin/env bash
# Starts the local test stack: a real etcd and a real single-node Slurm 22.05
# cluster (munged, slurmctld, slurmd, slurmrestd with JWT auth), all on
# 127.0.0.1, from Debian packages, without systemd. Idempotent and safe to call
# from several test processes at once: it starts only what is not running, checks
# readiness, and writes $SDP_STACK_DIR/stack.env (tokens re-minted after 12 h).
# Prints one line on stdout on success; diagnostics go to stderr.
# SLURM_RELEASE=24.11|26.05 also starts that release in a chroot (scripts/chroot-slurm.sh).
set -euo pipefail

HERE=${BASH_SOURCE[0]%/*}
[[ $HERE == "${BASH_SOURCE[0]}" ]] && HERE=.
# shellcheck source=scripts/stack-lib.sh
. "$HERE/stack-lib.sh"

require_root "$@"

# SLURM_RELEASE=22.05 (default): the host's Debian Slurm below. 24.11 or 26.05: also a newer
# Slurm in a cached debootstrap root beside it (scripts/chroot-slurm.sh), on ports of its own,
# described by $STACK_DIR/stack-<release>.env; the host stack still provides etcd.
SLURM_RELEASE=$SDP_SLURM_RELEASE
case $SLURM_RELEASE in
  22.05 | 24.11 | 26.05) ;;
  *) log "SLURM_RELEASE must be 22.05, 24.11 or 26.05 (got '$SLURM_RELEASE')"; exit 2 ;;
esac

TIMEOUT=${SDP_STACK_TIMEOUT:-60}

# Print the tail of the daemon's log and give up.
fail() {
  local name=$1 f
  shift
  log "FAILED: $*"
  f=${LOG_FILE[$name]}
  if [[ -s $f ]]; then
    echo "---- last lines of $f ----" >&2
    tail -n 30 "$f" >&2
  fi
  exit 1
}

declare -A STARTED=()

# start_daemon NAME: start it (start_NAME) and remember that this run did.
start_daemon() {
  STARTED[$1]=1
  "start_$1"
}

# True when NAME has no live process. Trusts a live PID from the PID file
# whatever its comm: right after `( daemon_exec ... ) &` it is still setsid/env.
daemon_gone() {
  local pid
  if { read -r pid <"${PID_FILE[$1]}"; } 2>/dev/null && proc_alive "$pid"; then
    return 1
  fi
  ! daemon_pid "$1" >/dev/null
}

# wait_for NAME DESCRIPTION CMD...: poll CMD until it succeeds; give up at the
# timeout, or at once when NAME, started by this run, has died. One that was
# found running and dies meanwhile (a test was stopping it) is started again.
wait_for() {
  local name=$1 what=$2 deadline
  shift 2
  tick
  deadline=$((NOW_MS + TIMEOUT * 1000))
  until "$@"; do
    if daemon_gone "$name"; then
      [[ -z ${STARTED[$name]:-} ]] || fail "$name" "$name exited while waiting for: $what"
      log "$name stopped meanwhile; starting it again"
      start_daemon "$name"
    fi
    tick
    ((NOW_MS < deadline)) || fail "$name" "timed out after ${TIMEOUT}s waiting for: $what"
    sleep 0.05
  done
}

# ---------------------------------------------------------------- packages ---
SLURM_PLUGIN_GLOB=(/usr/lib/*/slurm-wlm/auth_jwt.so)

packages_present() {
  local c
  for c in munged munge unmunge slurmctld slurmd slurmrestd scontrol sinfo squeue scancel etcd etcdctl setpriv flock openssl basenc; do
    command -v "$c" >/dev/null || return 1
  done
  [[ -e ${SLURM_PLUGIN_GLOB[0]} ]]
}

install_packages() {
  local created_policy=
  log "installing Debian packages (slurmctld slurmd slurmrestd munge etcd ...)"
  # No systemd here: the maintainer scripts must not try to start the services
  # (munged would grab /run/munge, etc.). policy-rc.d exit 101 = "not allowed".
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  local rc=0
  {
    apt-get update -q &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        -o DPkg::Lock::Timeout=300 \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        slurmctld slurmd slurmrestd munge slurm-client slurm-wlm-jwt-plugin \
        etcd-server etcd-client openssl
  } >&2 || rc=$?
  [[ -n $created_policy ]] && rm -f /usr/sbin/policy-rc.d
  ((rc == 0)) || { log "apt-get failed (exit $rc)"; exit 1; }
  SLURM_PLUGIN_GLOB=(/usr/lib/*/slurm-wlm/auth_jwt.so)
  packages_present || { log "packages installed but some commands are still missing"; exit 1; }
}

# ------------------------------------------------------------------- users ---
ensure_user() {
  local user=$1
  getent passwd "$user" >/dev/null && return 0
  log "creating system user $user"
  # Another stack dir's starter may be creating it at the same moment.
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$user" 2>/dev/null || getent passwd "$user" >/dev/null ||
    { log "cannot create user $user"; exit 1; }
}

# ------------------------------------------------------------------ layout ---
render_slurm_conf() {
  local host comm_params=""
  host=$NODE_NAME
  # slurmctld/slurmd have no bind-address option: NoInAddrAny makes them bind to
  # what the hostname resolves to, which is loopback only if it resolves to 127.x.
  if [[ $(getent ahostsv4 "$HOST_NAME" | awk 'NR==1 {print $1}') == 127.* ]]; then
    comm_params="CommunicationParameters=NoInAddrAny,NoCtldInAddrAny"
  else
    log "NOTE: $HOST_NAME does not resolve to 127.x; slurmctld/slurmd will listen on 0.0.0.0"
  fi
  cat <<EOF
# Generated by scripts/stack-start.sh; rewritten when it differs.
ClusterName=sdpstack
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$SLURMCTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
AuthAltTypes=auth/jwt
# HS256 (scontrol token, minted test tokens) and RS256 from the stack's JWKS key, side by side.
# The JWKS is read only at slurmctld's start: its key id is here so that a new key changes this
# file, and a changed file restarts the daemons. ($JWKS_KID)
AuthAltParameters=jwks=$JWKS_FILE,jwt_key=$JWT_KEY_FILE
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$RUN_DIR/slurmctld.pid
SlurmdPidFile=$RUN_DIR/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# Debian's default MailProg does not exist; /bin/true silences the error.
MailProg=/bin/true
# Keep /etc/slurm/plugstack.conf(.d) out of the test cluster.
PlugStackConfig=$SLURM_DIR/plugstack.conf
# No cgroups, no systemd, no slurmdbd.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# Default batch_sched_delay=3 makes every job wait ~3 s before it starts.
SchedulerParameters=batch_sched_delay=0
SwitchType=switch/none
MpiDefault=none
# Lets CPUs=8 stand on a 2-core machine, so several jobs run at once.
SlurmdParameters=config_overrides
ReturnToService=2
$comm_params
# mcs/none stores mcs_label as free text, which is what the deployer relies on.
MCSPlugin=mcs/none
MinJobAge=300
KillWait=5
InactiveLimit=0
Waittime=0
# The objects the job options ask for (issue 21): two GPUs (gres.conf), a node feature and
# cluster licenses; the reservation is made once slurmctld is up (ensure_reservation).
GresTypes=gpu
Licenses=$LICENSES
NodeName=$host NodeAddr=127.0.0.1 NodeHostname=$host CPUs=8 RealMemory=2048 Gres=gpu:2 Features=$FEATURE State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
# Takes jobs and never starts them (DOWN): the bench's put -> submit samples go there, so that
# hundreds of jobs run on this machine's own cores are not part of the latency it measures.
PartitionName=parked Nodes=ALL Default=NO MaxTime=INFINITE State=DOWN
EOF
}

# Two GPUs with no hardware, as scripts/chroot-slurm.sh gives its releases: each with a stand-in
# character device of its own (a copy of /dev/null), since newer slurmd drop a GPU without File=;
# no cgroups fence them, and autodetection (which would find none) is off.
render_gres_conf() {
  printf '%s\n' "# Generated by scripts/stack-start.sh: GPUs with /dev/null stand-ins." \
    "AutoDetect=off" "NodeName=$NODE_NAME Name=gpu File=$GPU_DIR/gpu[0-1]"
}

stand_in_gpus() {
  local i
  mkdir -p "$GPU_DIR"
  for i in 0 1; do
    [[ -c $GPU_DIR/gpu$i ]] || mknod -m 0666 "$GPU_DIR/gpu$i" c 1 3
  done
}

# A reservation for the job user in 2035 (in no one's way: an unlimited job ends within a year as
# far as the scheduler knows), made once; slurmctld keeps it in its state across restarts.
ensure_reservation() {
  local out
  out=$(scontrol show reservation "$RESERVATION" 2>/dev/null) || out=
  [[ $out == *"ReservationName=$RESERVATION "* ]] && return 0
  scontrol create reservation ReservationName="$RESERVATION" Users="$JOB_USER" Nodes="$NODE_NAME" \
    StartTime="$RESERVATION_START" Duration=10 Flags=IGNORE_JOBS >/dev/null ||
    fail slurmctld "cannot create reservation $RESERVATION"
  log "reservation $RESERVATION made for $JOB_USER"
}

# base64url without padding, of stdin.
b64url() { basenc --base64url -w0 | tr -d '='; }

# The RS256 signing key of the stack's stand-in token issuer: the private key as PEM (root
# only; live specs load it into their OAuth2 server) and its public half as a JWKS. Slurm
# 22.05 skips keys without "alg"; a token names its key by "kid". The JWKS must be readable by
# SlurmUser, or slurmctld stops at start.
make_jwks_key() {
  local modulus n kid
  log "making the RS256 signing key and JWKS of the stack's token issuer"
  (umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$JWKS_KEY_FILE.tmp" 2>/dev/null) ||
    { log "openssl cannot make an RSA key"; exit 1; }
  modulus=$(openssl rsa -in "$JWKS_KEY_FILE.tmp" -noout -modulus 2>/dev/null) || { log "openssl cannot read $JWKS_KEY_FILE.tmp"; exit 1; }
  [[ $(openssl rsa -in "$JWKS_KEY_FILE.tmp" -noout -text 2>/dev/null) == *"publicExponent: 65537 (0x10001)"* ]] ||
    { log "unexpected RSA public exponent"; exit 1; }
  n=$(printf '%s' "${modulus#Modulus=}" | basenc --base16 -d | b64url)
  kid=sdp-stack-$(printf '%s' "$n" | sha256sum | cut -c1-16)
  printf '{"keys":[{"kty":"RSA","alg":"RS256","use":"sig","kid":"%s","n":"%s","e":"AQAB"}]}\n' "$kid" "$n" >"$JWKS_FILE.tmp"
  chown slurm:slurm "$JWKS_FILE.tmp"
  chmod 0644 "$JWKS_FILE.tmp"
  mv -f "$JWKS_FILE.tmp" "$JWKS_FILE"
  mv -f "$JWKS_KEY_FILE.tmp" "$JWKS_KEY_FILE"
}

# The key id in the JWKS file (bash builtins only: the fast path calls it).
jwks_kid() {
  local json=
  { IFS= read -r -d '' json <"$JWKS_FILE"; } 2>/dev/null || true
  [[ $json =~ \"kid\":\"([A-Za-z0-9_-]+)\" ]] || return 1
  echo "${BASH_REMATCH[1]}"
}

# An RS256 token for user $1, valid 60 s, signed with the JWKS key: proves slurmctld reads the JWKS.
rs256_token() {
  local header payload signature
  header=$(printf '{"alg":"RS256","typ":"JWT","kid":"%s"}' "$JWKS_KID" | b64url)
  payload=$(printf '{"exp":%d,"iat":%d,"sun":"%s"}' $((EPOCHSECONDS + 60)) "$EPOCHSECONDS" "$1" | b64url)
  signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$JWKS_KEY_FILE" -binary | b64url) || return 1
  echo "$header.$payload.$signature"
}

layout_current() {
  local version
  { read -r version <"$LAYOUT_STAMP"; } 2>/dev/null && [[ $version == "$LAYOUT_VERSION" ]]
}

# Creates what is missing and (re)asserts ownership and modes: the slurm,
# munge, slurmrest and slurmjob users each need their part of the tree.
ensure_layout() {
  mkdir -p "$MUNGE_DIR" "$SLURM_DIR/state" "$SLURM_DIR/spool" "$RUN_DIR" "$LOG_DIR" \
    "$ETCD_DIR/data" "$JOB_DIR"
  chmod 0755 "$STACK_DIR" "$SLURM_DIR" "$SLURM_DIR/spool" "$RUN_DIR" "$JOB_DIR"
  # slurmctld (as SlurmUser) wants to chdir to a writable log dir.
  chown root:slurm "$LOG_DIR"
  chmod 0775 "$LOG_DIR"
  # munged refuses group/world-writable dirs; clients of all users need the socket.
  chown munge:munge "$MUNGE_DIR"
  chmod 0755 "$MUNGE_DIR"
  chown slurm:slurm "$SLURM_DIR/state"
  chmod 0700 "$SLURM_DIR/state" "$ETCD_DIR" "$ETCD_DIR/data"
  chown "$JOB_USER:$JOB_USER" "$JOB_DIR"
  [[ -e $MARKER_FILE ]] || : >"$MARKER_FILE"

  if [[ ! -s $MUNGE_DIR/munge.key ]]; then
    (umask 077 && head -c 1024 /dev/urandom >"$MUNGE_DIR/munge.key.tmp")
    chown munge:munge "$MUNGE_DIR/munge.key.tmp"
    mv -f "$MUNGE_DIR/munge.key.tmp" "$MUNGE_DIR/munge.key"
  fi
  # HS256 key: raw bytes, read by slurmctld (SlurmUser) and by root (tests mint tokens).
  if [[ ! -s $JWT_KEY_FILE ]]; then
    (umask 077 && head -c 32 /dev/urandom >"$JWT_KEY_FILE.tmp")
    chown slurm:slurm "$JWT_KEY_FILE.tmp"
    mv -f "$JWT_KEY_FILE.tmp" "$JWT_KEY_FILE"
  fi
  if [[ ! -s $JWKS_KEY_FILE || ! -s $JWKS_FILE ]] || ! jwks_kid >/dev/null; then
    make_jwks_key
  fi
  JWKS_KID=$(jwks_kid)
  [[ -e $SLURM_DIR/plugstack.conf ]] || : >"$SLURM_DIR/plugstack.conf"

  # Opened by the daemons after they drop root; munged also insists on owning it.
  [[ -e $LOG_DIR/slurmctld.log ]] || : >"$LOG_DIR/slurmctld.log"
  [[ -e $MUNGE_DIR/munged.log ]] || : >"$MUNGE_DIR/munged.log"
  chown slurm:slurm "$LOG_DIR/slurmctld.log"
  chown munge:munge "$MUNGE_DIR/munged.log"
  chmod 0640 "$MUNGE_DIR/munged.log"

  # Beside slurm.conf, which names the gres: daemons restarted for a new slurm.conf read both.
  stand_in_gpus
  local conf gres restart=
  gres=$(render_gres_conf)
  if [[ ! -e $GRES_FILE || $(<"$GRES_FILE") != "$gres" ]]; then
    printf '%s\n' "$gres" >"$GRES_FILE.tmp"
    chmod 0644 "$GRES_FILE.tmp"
    mv -f "$GRES_FILE.tmp" "$GRES_FILE"
    restart=1
  fi
  conf=$(render_slurm_conf)
  if [[ ! -e $CONF_FILE || $(<"$CONF_FILE") != "$conf" || -n $restart ]]; then
    # Daemons running with an older config would disagree with the new one.
    if [[ -e $CONF_FILE ]]; then
      log "slurm.conf or gres.conf changed: restarting the Slurm daemons"
      stop_daemon slurmrestd
      stop_daemon slurmd
      stop_daemon slurmctld
    fi
    printf '%s\n' "$conf" >"$CONF_FILE.tmp"
    chmod 0644 "$CONF_FILE.tmp"
    mv -f "$CONF_FILE.tmp" "$CONF_FILE"
  fi

  echo "$LAYOUT_VERSION" >"$LAYOUT_STAMP"

  # A stack dir below a directory the service users cannot traverse (e.g. /root)
  # fails later in obscure ways; say it now.
  if ! setpriv --reuid="$JOB_USER" --regid="$JOB_USER" --clear-groups test -w "$JOB_DIR" ||
    ! setpriv --reuid="$REST_USER" --regid="$REST_USER" --clear-groups test -r "$CONF_FILE"; then
    log "$STACK_DIR is not reachable by users $JOB_USER/$REST_USER; choose another SDP_STACK_DIR"
    exit 1
  fi
}

# ----------------------------------------------------------------- daemons ---
# Every daemon gets: stdin /dev/null (slurmrestd turns into an inetd-style server
# when stdin is a socket, which Node's spawn gives); stdout/stderr to its log (a
# test reading our stdout through a pipe must see EOF when we exit); no other
# inherited fd (the lock fd 9 would keep the stack lock held for the daemon's
# life, and bash keeps internal pipes on high fds); a clean environment (a
# caller's SLURM_JWT or ETCD_* would change how the daemons behave); setsid (a
# Ctrl-C in the test runner must not reach them); the stack's own folder as working
# directory (a daemon left in the caller's folder dies when that folder is removed:
# slurmrestd exits on `getcwd failed` at its next job submit).
# Usage: daemon_exec LOGFILE CMD... (in a subshell, so `( daemon_exec ... ) &`
# leaves the daemon's own PID in $!, setsid/setpriv/env all exec in place).
daemon_exec() {
  local logf=$1 fd
  shift
  for fd in /proc/"$BASHPID"/fd/*; do
    fd=${fd##*/}
    ((fd > 2)) && exec {fd}>&-
  done
  cd "$STACK_DIR" || exit 1
  exec setsid "$@" </dev/null >>"$logf" 2>&1
}
CLEAN_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin SLURM_CONF="$CONF_FILE")

start_munged() {
  rm -f "${PID_FILE[munged]}"
  log "starting munged"
  # Daemonises itself.
  (daemon_exec "${LOG_FILE[munged]}" setpriv --reuid=munge --regid=munge --init-groups \
    "${CLEAN_ENV[@]}" munged --key-file="$MUNGE_DIR/munge.key" --socket="$MUNGE_SOCKET" \
    --pid-file="${PID_FILE[munged]}" --log-file="${LOG_FILE[munged]}" \
    --seed-file="$MUNGE_DIR/munged.seed") || fail munged "munged did not start"
}

munge_round_trip() {
  munge -n -S "$MUNGE_SOCKET" 2>/dev/null | unmunge -S "$MUNGE_SOCKET" >/dev/null 2>&1
}

start_etcd() {
  log "starting etcd"
  # Single member: with the default 1 s election timeout, a restarted etcd spends
  # 1-2 s electing itself before /health answers; there is no peer to miss.
  (daemon_exec "${LOG_FILE[etcd]}" "${CLEAN_ENV[@]}" etcd --name sdpstack --data-dir "$ETCD_DIR/data" \
    --listen-client-urls "$ETCD_ENDPOINT" --advertise-client-urls "$ETCD_ENDPOINT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "sdpstack=http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster-state new --initial-cluster-token sdp-stack-etcd \
    --heartbeat-interval=20 --election-timeout=200 \
    --logger=zap --log-outputs=stderr) &
  echo $! >"${PID_FILE[etcd]}"
}

etcd_healthy() {
  http_get "$ETCD_CLIENT_PORT" /health && [[ $HTTP_STATUS == 200 && $HTTP_BODY == *'"health":"true"'* ]]
}

start_slurmctld() {
  rm -f "${PID_FILE[slurmctld]}"
  log "starting slurmctld"
  # Daemonises itself and drops to SlurmUser.
  (daemon_exec "${LOG_FILE[slurmctld]}" "${CLEAN_ENV[@]}" slurmctld -f "$CONF_FILE") ||
    fail slurmctld "slurmctld did not start"
}

ctld_up() { [[ $(scontrol ping 2>/dev/null) == *"is UP"* ]]; }

start_slurmd() {
  rm -f "${PID_FILE[slurmd]}"
  log "starting slurmd"
  # Daemonises itself, stays root (it launches the jobs as their users).
  (daemon_exec "${LOG_FILE[slurmd]}" "${CLEAN_ENV[@]}" slurmd -f "$CONF_FILE" -N "$NODE_NAME") ||
    fail slurmd "slurmd did not start"
}

# idle* (not responding), unknown, down, drain... are not ready.
node_ready() {
  local state
  # One line per partition the node is in: ask for the default one only.
  state=$(sinfo -h -N -n "$NODE_NAME" -p debug -o %T 2>/dev/null) || return 1
  [[ $state =~ ^(idle|mixed|allocated|completing)$ ]]
}

start_slurmrestd() {
  log "starting slurmrestd"
  # Refuses root; SLURM_JWT=daemon makes it pass each request's token on to
  # slurmctld; the openapi/dbv* plugins (the default set) need slurmdbd.
  (daemon_exec "${LOG_FILE[slurmrestd]}" setpriv --reuid="$REST_USER" --regid="$REST_USER" --init-groups \
    "${CLEAN_ENV[@]}" SLURM_JWT=daemon \
    slurmrestd -f "$CONF_FILE" -a rest_auth/jwt -s openapi/v0.0.38,openapi/v0.0.37,openapi/v0.0.36 \
    "127.0.0.1:$SLURMRESTD_PORT") &
  echo $! >"${PID_FILE[slurmrestd]}"
}

rest_ping() {
  local token=$1 user=$2
  http_get "$SLURMRESTD_PORT" /slurm/v0.0.38/ping "X-SLURM-USER-NAME: $user" "X-SLURM-USER-TOKEN: $token" &&
    [[ $HTTP_STATUS == 200 && $HTTP_BODY =~ \"ping\":\ *\"UP\" ]]
}

TOKEN_STAMP=$RUN_DIR/tokens.minted
TOKEN_MAX_AGE=$((12 * 3600)) # tokens live 24 h; tests may run for a while after start

# Keep stack.env as it is when its tokens are under 12 h old and still accepted
# (a purged and recreated JWT key would invalidate them): no rewrite while other
# test processes may be reading it.
tokens_reusable() {
  local minted key value kid= deployer_names=0
  { read -r minted <"$TOKEN_STAMP"; } 2>/dev/null || return 1
  [[ $minted =~ ^[0-9]+$ ]] && ((EPOCHSECONDS - minted < TOKEN_MAX_AGE)) || return 1
  JOB_TOKEN='' ADMIN_TOKEN=''
  while IFS='=' read -r key value; do
    case $key in
      SLURM_JWT) JOB_TOKEN=$value ;;
      SLURM_ADMIN_TOKEN) ADMIN_TOKEN=$value ;;
      SDP_STACK_DIR) [[ $value == "$STACK_DIR" ]] || return 1 ;;
      SLURM_JWKS_KID) kid=$value ;;
      SDP_SLURMDEPLOY_SLURM_URL) deployer_names=1 ;;
    esac
  done <"$ENV_FILE" 2>/dev/null || return 1
  # An env file from before the JWKS key (layout 1), or of another key: write it again.
  [[ -n $kid && $kid == "$(jwks_kid)" ]] || return 1
  # One from before the deployer's own variable names: write it again.
  ((deployer_names)) || return 1
  # Both tokens are signed with the same key: checking one is enough.
  [[ -n $JOB_TOKEN && -n $ADMIN_TOKEN ]] && rest_ping "$JOB_TOKEN" "$JOB_USER"
}

mint_token() {
  local out
  out=$(scontrol token username="$1" lifespan=86400 2>&1) || {
    log "scontrol token: $out"
    return 1
  }
  [[ $out =~ SLURM_JWT=([A-Za-z0-9._-]+) ]] || {
    log "scontrol token: $out"
    return 1
  }
  echo "${BASH_REMATCH[1]}"
}

# Tests (Node) and the demo parse this: plain KEY=value lines, nothing else. The SDP_* lines are
# the deployer's own variables: `export $(grep ^SDP_ stack.env)` points status or plan here.
write_env_file() {
  local tmp=$ENV_FILE.$$
  # Holds SLURM_ADMIN_TOKEN, which may act as any user: root only.
  (
    umask 077
    printf '%s\n' \
      "SDP_STACK_DIR=$STACK_DIR" \
      "SLURM_URL=$SLURM_URL" \
      "SLURM_USER=$JOB_USER" \
      "SLURM_JWT=$JOB_TOKEN" \
      "SLURM_ADMIN_TOKEN=$ADMIN_TOKEN" \
      "SLURM_JWT_KEY_FILE=$JWT_KEY_FILE" \
      "SLURM_JWKS_FILE=$JWKS_FILE" \
      "SLURM_JWKS_SIGNING_KEY=$JWKS_KEY_FILE" \
      "SLURM_JWKS_KID=$JWKS_KID" \
      "SLURM_CONF=$CONF_FILE" \
      "SLURM_JOB_DIR=$JOB_DIR" \
      "ETCD_ENDPOINT=$ETCD_ENDPOINT" \
      "SDP_CONFIG_HOST=127.0.0.1" \
      "SDP_CONFIG_PORT=$ETCD_CLIENT_PORT" \
      "SDP_SLURMDEPLOY_SLURM_URL=$SLURM_URL" \
      "SDP_SLURMDEPLOY_CLIENT_ID=$JOB_USER" \
      "SDP_SLURMDEPLOY_SLURM_JWT=$JOB_TOKEN" >"$tmp"
  )
  # Readers never see a half-written file.
  mv -f "$tmp" "$ENV_FILE"
}

all_running() {
  local d
  for d in munged etcd slurmctld slurmd slurmrestd; do
    daemon_pid "$d" >/dev/null || return 1
  done
}

# -------------------------------------------------------------------- main ---
[[ -d $STACK_DIR ]] || mkdir -p "$STACK_DIR"
take_lock

# With every daemon up, packages, users and layout are known good: skipping them
# is what keeps this path near 0.1 s.
# A stack started by an older version of this script (its layout stamp differs) goes through
# ensure_layout too: a changed slurm.conf restarts the Slurm daemons there.
if ! all_running || ! layout_current; then
  packages_present || install_packages
  ensure_user slurm
  ensure_user munge
  ensure_user "$REST_USER"
  ensure_user "$JOB_USER"
  ensure_layout

  daemon_pid munged >/dev/null || start_daemon munged
  wait_for munged "munge encode/decode round trip" munge_round_trip
  # etcd and slurmrestd come up while the Slurm daemons do; checked further down.
  daemon_pid etcd >/dev/null || start_daemon etcd
  daemon_pid slurmctld >/dev/null || start_daemon slurmctld
  daemon_pid slurmrestd >/dev/null || start_daemon slurmrestd
  wait_for slurmctld "scontrol ping" ctld_up
  daemon_pid slurmd >/dev/null || start_daemon slurmd
  LAYOUT_CHECKED=1
fi

# Readiness, in dependency order (again when all was running: a daemon can be
# up and still useless, e.g. a node that went down).
wait_for munged "munge encode/decode round trip" munge_round_trip
wait_for slurmctld "scontrol ping" ctld_up
# A new slurmctld polls the nodes only after a few seconds; SIGHUP makes an
# already running slurmd reconfigure and register at once (jobs are not touched).
if [[ -n ${STARTED[slurmctld]:-} && -z ${STARTED[slurmd]:-} ]] && pid=$(daemon_pid slurmd); then
  kill -HUP "$pid"
fi
wait_for slurmd "node $NODE_NAME idle/mixed/allocated/completing in sinfo" node_ready
# Not on the fast path (21 ms): slurmctld's saved state keeps it, a purged state goes the slow way.
[[ -z ${LAYOUT_CHECKED:-} ]] || ensure_reservation
wait_for etcd "etcd $ETCD_ENDPOINT/health" etcd_healthy

if ! tokens_reusable; then
  JOB_TOKEN=$(mint_token "$JOB_USER") || fail slurmctld "cannot mint a token for $JOB_USER"
  ADMIN_TOKEN=$(mint_token slurm) || fail slurmctld "cannot mint a token for slurm"
  wait_for slurmrestd "GET $SLURM_URL/slurm/v0.0.38/ping" rest_ping "$JOB_TOKEN" "$JOB_USER"
  rest_ping "$ADMIN_TOKEN" "$JOB_USER" || fail slurmrestd "the admin token cannot impersonate $JOB_USER"
  JWKS_KID=$(jwks_kid) || fail slurmctld "no key id in $JWKS_FILE"
  rest_ping "$(rs256_token "$JOB_USER")" "$JOB_USER" ||
    fail slurmctld "an RS256 token signed with $JWKS_KEY_FILE is refused: slurmctld runs without AuthAltParameters=jwks=$JWKS_FILE"
  write_env_file
  echo "$EPOCHSECONDS" >"$TOKEN_STAMP"
fi

echo "stack up: etcd 127.0.0.1:$ETCD_CLIENT_PORT, slurmrestd $SLURM_URL (env: $ENV_FILE)"
if [[ $SLURM_RELEASE != 22.05 ]]; then
  # Not under the stack lock: the chroot has a lock of its own, and building it takes a minute.
  exec 9>&-
  SDP_STACK_DIR=$STACK_DIR bash "$HERE/chroot-slurm.sh" start "$SLURM_RELEASE"
fi
