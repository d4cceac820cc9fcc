#!/usr/bin/env bash
# chroot-slurm.sh start|stop RELEASE
#   A newer real Slurm beside the host's 22.05: RELEASE 24.11 (Debian trixie) or 26.05 (Debian
#   sid), installed by debootstrap into a root cached in a fixed folder outside the repository
#   ($SDP_CHROOT_CACHE/<release>, built once, ~80 s and ~700 MB; a later start takes seconds),
#   without touching the host's packages or /etc/apt. Inside the root: munged, MariaDB, slurmdbd
#   (accounting, scripts/chroot-accounting.sh), slurmctld, slurmd (one node) and slurmrestd (JWT,
#   /slurm/ and /slurmdb/), on 127.0.0.1 ports of its own, so the releases run at once:
#     24.11: MariaDB 17806, slurmctld 17817, slurmd 17818, slurmdbd 17819, slurmrestd 17820
#     26.05: MariaDB 18806, slurmctld 18817, slurmd 18818, slurmdbd 18819, slurmrestd 18820
#   Etcd is the host stack's (stack-start.sh starts it first). Writes
#   $SDP_STACK_DIR/stack-<release>.env with the same keys as stack.env, plus a user of the bench's
#   own (SLURM_BENCH_USER, SLURM_BENCH_JWT), one of the live matrix's deployer specs
#   (SLURM_MATRIX_USER, SLURM_MATRIX_JWT) and the user foreign-load.sh submits as
#   (SLURM_FOREIGN_USER). Idempotent; daemons are started and stopped by PID, and only processes
#   whose root is this chroot are ever signalled. A changed slurm.conf is applied by `scontrol
#   reconfigure` (slurmctld restarts in place, jobs kept) and a restart of slurmrestd: the stack is
#   shared, and other people's jobs must survive it.
set -euo pipefail

ACTION=${1:?usage: $0 start|stop RELEASE}
RELEASE=${2:?usage: $0 start|stop RELEASE}
case $RELEASE in
  24.11) SUITE=trixie PORT_BASE=17800 ;;
  26.05) SUITE=sid PORT_BASE=18800 ;;
  *) echo "chroot-slurm: unknown release $RELEASE (24.11 or 26.05)" >&2; exit 2 ;;
esac
CACHE=${SDP_CHROOT_CACHE:-/var/cache/sdp-slurm-deployer/chroot}
STACK_DIR=${SDP_STACK_DIR:-/tmp/sdp-slurm-stack}
MIRROR=${SDP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
ROOT=$CACHE/$RELEASE
S=/stack                 # state dir inside the root
H=$ROOT$S                # the same, seen from the host
CONF=$S/slurm/slurm.conf
CTLD_PORT=$((PORT_BASE + 17)) SLURMD_PORT=$((PORT_BASE + 18)) REST_PORT=$((PORT_BASE + 20))
PKGS=slurmctld,slurmd,slurmrestd,slurm-client,munge,slurm-wlm-jwt-plugin
CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
JOB_USER=slurmjob REST_USER=slurmrest
# slurmctld's rate limit counts per user: bench and chaos bursts run as a user of their own, so
# that they never empty the bucket of slurmjob, whom every live spec runs as. The live matrix's
# deployer specs run as another (as rate-limited): the REST client specs run just before them as
# slurmjob, and a deployer that starts on their emptied bucket spaces its polls 10 s apart for a
# minute. Foreign load (held jobs of "other users") is submitted by root (not rate limited) on
# behalf of a fourth user.
BENCH_USER=slurmbench MATRIX_USER=slurmmatrix FOREIGN_USER=slurmforeign
read -r HOST_NAME </proc/sys/kernel/hostname
NODE_NAME=${HOST_NAME%%.*}
ENV_FILE=$STACK_DIR/stack-$RELEASE.env
CLUSTER=sdp${RELEASE//./}
# What the job options' live specs ask for (spec/support/real-slurm-options-suite.ts): the same
# names in every release of the stack (scripts/stack-start.sh for 22.05).
FEATURE=bigmem LICENSES=sdplic:4 RESERVATION=sdpopts RESERVATION_START=2035-01-01T00:00:00

log() { echo "chroot-slurm $RELEASE: $*" >&2; }
# shellcheck source=scripts/chroot-accounting.sh
. "${BASH_SOURCE[0]%/*}/chroot-accounting.sh"
die() { log "FAILED: $*"; exit 1; }
[[ $(id -u) == 0 ]] || die "must run as root"
mkdir -p "$CACHE" "$STACK_DIR"
exec 9>"$CACHE/$RELEASE.lock"
flock -w 900 9 || die "cannot lock $CACHE/$RELEASE.lock"

in_root() { chroot "$ROOT" /usr/bin/env -i PATH=$CHROOT_PATH SLURM_CONF=$CONF HOME=/root LANG=C.UTF-8 "$@" 9>&-; }
# Runs a daemon's start command without any fd above 2 of ours: a daemon keeps what it inherits
# for its life, and a lock a caller holds (flock on a fd) would stay held as long as it runs.
no_fds() {
  local fd
  for fd in /proc/"$BASHPID"/fd/*; do
    fd=${fd##*/}
    ((fd > 2)) && exec {fd}>&-
  done
  exec "$@"
}
ours() { [[ -n ${1:-} && $(readlink "/proc/$1/root" 2>/dev/null) == "$ROOT" ]]; }
gone() { [[ ! -d /proc/$1 || $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == Z ]]; }
pid_of() { local p=; { read -r p <"$H/run/$1.pid"; } 2>/dev/null; echo "${p//[!0-9]/}"; }
alive() { local p; p=$(pid_of "$1"); ours "$p" && ! gone "$p"; }
wait_until() {
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do ((SECONDS < end)) || return 1; sleep 0.1; done
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_pid() {
  kill -TERM "$2" 2>/dev/null || return 0
  for _ in $(seq 100); do gone "$2" && return 0; sleep 0.1; done
  log "$1 ($2) ignored SIGTERM: SIGKILL"; kill -KILL "$2" 2>/dev/null || true
}

stop() {
  [[ -d $ROOT ]] || { log "no root at $ROOT"; return 0; }
  local d pid p
  p=$(pid_of slurmrestd); if ours "$p" && ! gone "$p"; then stop_pid slurmrestd "$p"; fi
  if alive slurmctld && mountpoint -q "$ROOT/proc"; then
    local ids; ids=$(in_root squeue -h -o %i 2>/dev/null || true)
    [[ -z $ids ]] || in_root scancel $ids 2>/dev/null || true
  fi
  for d in slurmd slurmctld; do
    p=$(pid_of $d); if ours "$p" && ! gone "$p"; then stop_pid $d "$p"; fi
    rm -f "$H/run/$d.pid"
  done
  stop_accounting
  p=$(pid_of munged); if ours "$p" && ! gone "$p"; then stop_pid munged "$p"; fi
  rm -f "$H/run/munged.pid"
  rm -f "$H/run/slurmrestd.pid"
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    ours "$pid" && ! gone "$pid" && { log "killing leftover $pid ($(cat "$d/comm" 2>/dev/null))"; kill -KILL "$pid" 2>/dev/null || true; }
  done
  sleep 0.2
  for m in $(findmnt -rn -o TARGET | grep "^$ROOT/" | sort -r); do umount "$m" 2>/dev/null || umount -l "$m"; done
  rm -f "$ENV_FILE"
  log "stopped"
}

build_root() {
  command -v debootstrap >/dev/null || {
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 debootstrap >&2 ||
      { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 debootstrap >&2; } ||
      die "cannot install debootstrap"
  }
  if [[ -e $ROOT ]]; then
    findmnt -rn -o TARGET | grep -q "^$ROOT/" && die "$ROOT is half built and has mounts: run $0 stop $RELEASE"
    rm -rf --one-file-system -- "$ROOT"
  fi
  log "debootstrap $SUITE into $ROOT (a minute or two, once)"
  local t0=$SECONDS
  deny_service_starts
  debootstrap --variant=minbase --include=$PKGS,$ACCOUNTING_PKGS "$SUITE" "$ROOT" "$MIRROR" >"$CACHE/$RELEASE.debootstrap.log" 2>&1 ||
    die "debootstrap failed: $(tail -5 "$CACHE/$RELEASE.debootstrap.log")"
  touch "$ROOT/.sdp-chroot-built"
  log "root built in $((SECONDS - t0)) s: $(du -shx "$ROOT" | cut -f1)"
}

ensure_user() {
  in_root id -u "$1" >/dev/null 2>&1 ||
    in_root useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$1"
}

auth_alt_parameters() {
  if [[ -s $H/slurm/jwks.json ]]; then echo "jwks=$S/slurm/jwks.json,jwt_key=$S/slurm/jwt_hs256.key"; else echo "jwt_key=$S/slurm/jwt_hs256.key"; fi
}

render_conf() {
  cat <<EOF
# Generated by scripts/chroot-slurm.sh ($RELEASE): one node, loopback, no systemd or cgroups.
ClusterName=$CLUSTER
SlurmctldHost=$NODE_NAME(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$S/munge/munge.socket
AuthAltTypes=auth/jwt
AuthAltParameters=$(auth_alt_parameters)
StateSaveLocation=$S/slurm/state
SlurmdSpoolDir=$S/slurm/spool
SlurmctldPidFile=$S/run/slurmctld.pid
SlurmdPidFile=$S/run/slurmd.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
PlugStackConfig=$S/slurm/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
SlurmdParameters=config_overrides
ReturnToService=2
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
# mcs/none no longer exists (24.11+); mcs/label keeps a free-text label.
MCSPlugin=mcs/label
# Ended jobs are purged after 30 s (every 30 s: under 60, slurmctld purges every MinJobAge):
# what the deployer misses, it learns from accounting.
MinJobAge=30
KillWait=5
InactiveLimit=0
Waittime=0
# What a production site runs: slurmctld's per-user RPC rate limit (a bucket of 30, refilled 2 a
# second: Slurm's defaults), room for thousands of other users' jobs (scripts/foreign-load.sh).
SlurmctldParameters=rl_enable
$(accounting_conf)
MaxJobCount=100000
# The objects the job options ask for (issue 21): two GPUs counted in gres.conf (no devices),
# a node feature and cluster licenses; the reservation is made once slurmctld is up.
GresTypes=gpu
Licenses=$LICENSES
NodeName=$NODE_NAME NodeAddr=127.0.0.1 NodeHostname=$NODE_NAME CPUs=256 RealMemory=2048 Gres=gpu:2 Features=$FEATURE State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
# Takes jobs and never starts them (bursts measured without running 1,000 jobs on two cores).
PartitionName=parked Nodes=ALL Default=NO MaxTime=INFINITE State=DOWN
EOF
}

# Two GPUs with no hardware: slurmd (26.05 measured: "Ignoring file-less GPU") drops a GPU without
# File=, so each has a stand-in character device of its own, a copy of /dev/null. No cgroups
# here: nothing is fenced by them; autodetection (none found) stays off.
render_gres_conf() {
  printf '%s\n' "# Generated by scripts/chroot-slurm.sh ($RELEASE): GPUs with /dev/null stand-ins." \
    "AutoDetect=off" "NodeName=$NODE_NAME Name=gpu File=$S/gpu/gpu[0-1]"
}

stand_in_gpus() {
  local i
  mkdir -p "$H/gpu"
  for i in 0 1; do
    [[ -c $H/gpu/gpu$i ]] || mknod -m 0666 "$H/gpu/gpu$i" c 1 3
  done
}

layout() {
  cmp -s /etc/hosts "$ROOT/etc/hosts" || cp /etc/hosts "$ROOT/etc/hosts"
  ensure_user $REST_USER
  ensure_user $JOB_USER
  ensure_user $BENCH_USER
  ensure_user $MATRIX_USER
  ensure_user $FOREIGN_USER
  local su sg mu mg
  su=$(in_root id -u slurm) sg=$(in_root id -g slurm) mu=$(in_root id -u munge) mg=$(in_root id -g munge)
  mkdir -p "$H/munge" "$H/slurm/state" "$H/slurm/spool" "$H/run" "$H/log" "$H/jobs"
  chmod 755 "$H" "$H/slurm" "$H/run" "$H/log"
  chmod 1777 "$H/jobs"
  chown "$mu:$mg" "$H/munge"
  chmod 755 "$H/munge"
  chown "$su:$sg" "$H/slurm/state" "$H/run" "$H/log"
  chmod 700 "$H/slurm/state"
  [[ -s $H/munge/munge.key ]] || in_root mungekey --create --keyfile=$S/munge/munge.key --bits=1024
  chown "$mu:$mg" "$H/munge/munge.key"
  chmod 600 "$H/munge/munge.key"
  [[ -s $H/slurm/jwt_hs256.key ]] || head -c 32 /dev/urandom >"$H/slurm/jwt_hs256.key"
  chown "$su:$sg" "$H/slurm/jwt_hs256.key"
  chmod 600 "$H/slurm/jwt_hs256.key"
  # The host stack's JWKS (its RS256 issuer), so Entra-like tokens work here too.
  if [[ -s $STACK_DIR/slurm/jwks.json ]] && ! cmp -s "$STACK_DIR/slurm/jwks.json" "$H/slurm/jwks.json"; then
    cp "$STACK_DIR/slurm/jwks.json" "$H/slurm/jwks.json"
    chown "$su:$sg" "$H/slurm/jwks.json"
    chmod 644 "$H/slurm/jwks.json"
  fi
  accounting_layout "$(auth_alt_parameters)"
  : >"$H/slurm/plugstack.conf"
  # 24.11+: slurmd dies without cgroups unless the cgroup plugin is disabled.
  echo "CgroupPlugin=disabled" >"$H/slurm/cgroup.conf"
  stand_in_gpus
  render_gres_conf >"$H/slurm/gres.conf.tmp"
  if cmp -s "$H/slurm/gres.conf.tmp" "$H/slurm/gres.conf"; then
    rm -f "$H/slurm/gres.conf.tmp"
  else
    mv -f "$H/slurm/gres.conf.tmp" "$H/slurm/gres.conf"
    ! alive slurmctld || RECONFIGURE=1
  fi
  local conf; conf=$(render_conf)
  if [[ ! -f $H/slurm/slurm.conf || $(<"$H/slurm/slurm.conf") != "$conf" ]]; then
    if alive slurmctld; then
      # Applied in start(), once the new file is in place: never by stop, which cancels every job.
      RECONFIGURE=1
    elif alive slurmd || alive slurmrestd; then
      log "slurm.conf changed: restarting the daemons"
      stop
      mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
    fi
    printf '%s\n' "$conf" >"$H/slurm/slurm.conf"
  fi
  chmod 644 "$H/slurm/slurm.conf" "$H/slurm/plugstack.conf" "$H/slurm/cgroup.conf" "$H/slurm/gres.conf"
}

token() { in_root scontrol token username="$1" lifespan=86400 | sed -n 's/^SLURM_JWT=//p'; }
node_ready() { [[ $(in_root sinfo -h -n "$NODE_NAME" -o %T 2>/dev/null | head -1) =~ ^(idle|mixed|allocated|completing)$ ]]; }
rest_up() { curl -sf -m 5 -o /dev/null -H "X-SLURM-USER-NAME: $JOB_USER" -H "X-SLURM-USER-TOKEN: $1" "http://127.0.0.1:$REST_PORT/openapi/v3"; }

# A reservation for the stack's job users in 2035 (never in the way of anyone's job, which ends
# within a year when unlimited), made once: its jobs stay PENDING (Reservation) with it readable.
ensure_reservation() {
  local users=$JOB_USER,$BENCH_USER,$MATRIX_USER out
  out=$(in_root scontrol show reservation "$RESERVATION" 2>/dev/null) || out=
  [[ $out == *"ReservationName=$RESERVATION "* ]] && return 0
  in_root scontrol create reservation ReservationName="$RESERVATION" Users="$users" Nodes="$NODE_NAME" \
    StartTime=$RESERVATION_START Duration=10 Flags=IGNORE_JOBS >/dev/null ||
    die "cannot create reservation $RESERVATION"
  log "reservation $RESERVATION made for $users"
}

ctld_up() { in_root scontrol ping 2>/dev/null | grep -q 'is UP'; }
ctld_replaced() { local p; p=$(pid_of slurmctld); [[ -n $p && $p != "$1" ]] && ours "$p" && ! gone "$p"; }

# 24.11 on: `scontrol reconfigure` restarts slurmctld in place (a new process, every job kept) and
# has slurmd reread the file; slurmrestd reads it only at its start.
reconfigure() {
  local old; old=$(pid_of slurmctld)
  log "slurm.conf or gres.conf changed: scontrol reconfigure (jobs are kept), slurmrestd restarted"
  # Saving the state first takes a while (20 s on 26.05 here): past scontrol's timeout, it goes on.
  in_root scontrol reconfigure >/dev/null 2>&1 || log "scontrol reconfigure did not answer in time: waiting for the new slurmctld"
  wait_until 120 ctld_replaced "$old" || log "slurmctld kept pid $old (reconfigured without a restart)"
  wait_until 60 ctld_up || die "slurmctld does not answer after reconfigure: $(tail -5 "$H/log/slurmctld.log")"
  local p; p=$(pid_of slurmrestd)
  if ours "$p" && ! gone "$p"; then stop_pid slurmrestd "$p"; fi
  rm -f "$H/run/slurmrestd.pid"
}

start() {
  RECONFIGURE=
  [[ -e $ROOT/.sdp-chroot-built ]] || build_root
  mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
  add_accounting_packages
  layout
  mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
  if ! alive munged; then
    rm -f "$H/munge/munge.socket" "$H/munge/munge.socket.lock"
    (no_fds chroot "$ROOT" /usr/bin/env -i PATH=$CHROOT_PATH SLURM_CONF=$CONF HOME=/root LANG=C.UTF-8 setpriv --reuid=munge --regid=munge --init-groups munged --key-file=$S/munge/munge.key \
      --socket=$S/munge/munge.socket --pid-file=$S/munge/munged.pid --log-file=$S/munge/munged.log \
      --seed-file=$S/munge/munged.seed </dev/null >>"$H/log/munged.out" 2>&1) || die "munged did not start"
    cp "$H/munge/munged.pid" "$H/run/munged.pid"
    log "munged started"
  fi
  wait_until 10 in_root sh -c "munge -n -S $S/munge/munge.socket | unmunge -S $S/munge/munge.socket" || die "munge round trip failed"
  start_mariadb
  start_slurmdbd
  ensure_associations root slurm $JOB_USER $BENCH_USER $MATRIX_USER $FOREIGN_USER
  if ! alive slurmctld; then
    port_busy $CTLD_PORT && die "port $CTLD_PORT is taken by another process"
    rm -f "$H/run/slurmctld.pid"
    (no_fds chroot "$ROOT" /usr/bin/env -i PATH=$CHROOT_PATH SLURM_CONF=$CONF HOME=/root LANG=C.UTF-8 slurmctld -f $CONF </dev/null >>"$H/log/slurmctld.out" 2>&1) || die "slurmctld: $(tail -5 "$H/log/slurmctld.log")"
    wait_until 10 test -s "$H/run/slurmctld.pid" || die "slurmctld wrote no pid file"
    log "slurmctld started"
  fi
  wait_until 30 ctld_up || die "slurmctld does not answer: $(tail -5 "$H/log/slurmctld.log")"
  [[ -z $RECONFIGURE ]] || reconfigure
  ensure_reservation
  if ! alive slurmd; then
    port_busy $SLURMD_PORT && die "port $SLURMD_PORT is taken by another process"
    rm -f "$H/run/slurmd.pid"
    (no_fds chroot "$ROOT" /usr/bin/env -i PATH=$CHROOT_PATH SLURM_CONF=$CONF HOME=/root LANG=C.UTF-8 slurmd -f $CONF -N "$NODE_NAME" </dev/null >>"$H/log/slurmd.out" 2>&1) || die "slurmd: $(tail -5 "$H/log/slurmd.log")"
    wait_until 10 test -s "$H/run/slurmd.pid" || die "slurmd wrote no pid file"
    log "slurmd started"
  fi
  if ! wait_until 20 node_ready; then
    in_root scontrol update nodename="$NODE_NAME" state=resume >/dev/null 2>&1 || true
    wait_until 15 node_ready || die "node not ready: $(tail -5 "$H/log/slurmd.log")"
  fi
  if ! alive slurmrestd; then
    port_busy $REST_PORT && die "port $REST_PORT is taken by another process"
    # The subshell, chroot, setpriv and env exec in place: $! is slurmrestd's own PID.
    (no_fds setsid chroot "$ROOT" /usr/bin/setpriv --reuid=$REST_USER --regid=$REST_USER --init-groups \
      /usr/bin/env -i PATH=$CHROOT_PATH SLURM_JWT=daemon SLURM_CONF=$CONF \
      slurmrestd -f $CONF -a rest_auth/jwt -s openapi/slurmctld,openapi/slurmdbd "127.0.0.1:$REST_PORT" \
      </dev/null >>"$H/log/slurmrestd.log" 2>&1) &
    echo $! >"$H/run/slurmrestd.pid"
    log "slurmrestd started"
  fi
  local job_token admin_token bench_token matrix_token
  job_token=$(token $JOB_USER) admin_token=$(token slurm) bench_token=$(token $BENCH_USER) matrix_token=$(token $MATRIX_USER)
  [[ -n $job_token && -n $admin_token && -n $bench_token && -n $matrix_token ]] || die "scontrol token failed"
  wait_until 30 rest_up "$job_token" || die "slurmrestd does not answer: $(tail -5 "$H/log/slurmrestd.log")"
  local kid=
  [[ -s $H/slurm/jwks.json && $(<"$H/slurm/jwks.json") =~ \"kid\":\"([A-Za-z0-9_-]+)\" ]] && kid=${BASH_REMATCH[1]}
  (
    umask 077
    printf '%s\n' \
      "SDP_STACK_DIR=$STACK_DIR" \
      "SLURM_RELEASE=$RELEASE" \
      "SLURM_ROOT=$ROOT" \
      "SLURM_URL=http://127.0.0.1:$REST_PORT" \
      "SLURM_USER=$JOB_USER" \
      "SLURM_JWT=$job_token" \
      "SLURM_ADMIN_TOKEN=$admin_token" \
      "SLURM_BENCH_USER=$BENCH_USER" \
      "SLURM_BENCH_JWT=$bench_token" \
      "SLURM_MATRIX_USER=$MATRIX_USER" \
      "SLURM_MATRIX_JWT=$matrix_token" \
      "SLURM_FOREIGN_USER=$FOREIGN_USER" \
      "SLURM_ACCOUNTING=1" \
      "SLURM_CLUSTER=$CLUSTER" \
      "SLURM_JWT_KEY_FILE=$H/slurm/jwt_hs256.key" \
      "SLURM_JWKS_FILE=$H/slurm/jwks.json" \
      "SLURM_JWKS_SIGNING_KEY=$STACK_DIR/slurm/jwks_signing_key.pem" \
      "SLURM_JWKS_KID=$kid" \
      "SLURM_CONF=$H/slurm/slurm.conf" \
      "SLURM_JOB_DIR=$S/jobs" \
      "SLURM_JOB_DIR_ON_HOST=$H/jobs" \
      "ETCD_ENDPOINT=http://127.0.0.1:12379" \
      "SDP_CONFIG_HOST=127.0.0.1" \
      "SDP_CONFIG_PORT=12379" >"$ENV_FILE.$$"
  )
  mv -f "$ENV_FILE.$$" "$ENV_FILE"
  echo "slurm $RELEASE up: slurmrestd http://127.0.0.1:$REST_PORT (env: $ENV_FILE)"
}

case $ACTION in
  start) start ;;
  stop) stop ;;
  *) die "unknown action $ACTION" ;;
esac
