# shellcheck shell=bash disable=SC2034 # the variables are used by the sourcing scripts
# Shared by stack-start.sh and stack-stop.sh (sourced, not run): the layout of the
# local test stack (real etcd + single-node Slurm 22.05 with slurmrestd/JWT on
# loopback), PID bookkeeping, the stack lock and a tiny HTTP client.
#
# Every test process calls stack-start.sh, so its "all is up" path must stay near
# 0.1 s. Starting a program costs ~5 ms on the 2-core CI VM (curl ~25 ms), so the
# helpers here use bash builtins (/proc reads, mapfile, /dev/tcp) where they can.

STACK_DIR=${SDP_STACK_DIR:-/tmp/sdp-slurm-stack}
# The path ends up in slurm.conf, in stack.env (sourced unquoted) and is compared
# with /proc/PID/cwd, so it must be absolute, canonical and free of specials.
if [[ -d $STACK_DIR ]]; then
  STACK_DIR=$(cd -- "$STACK_DIR" && pwd -P)
else
  STACK_DIR=$(realpath -m -- "$STACK_DIR")
fi
if [[ ! $STACK_DIR =~ ^/[A-Za-z0-9._/-]+$ || $STACK_DIR == / ]]; then
  echo "stack: SDP_STACK_DIR must be a path of [A-Za-z0-9._/-] only (got '$STACK_DIR')" >&2
  exit 2
fi

MUNGE_DIR=$STACK_DIR/munge
SLURM_DIR=$STACK_DIR/slurm
RUN_DIR=$STACK_DIR/run
LOG_DIR=$STACK_DIR/log
ETCD_DIR=$STACK_DIR/etcd
JOB_DIR=$STACK_DIR/jobs
CONF_FILE=$SLURM_DIR/slurm.conf
GRES_FILE=$SLURM_DIR/gres.conf
GPU_DIR=$STACK_DIR/gpu
# What the job options' live specs ask for (spec/support/real-slurm-options-suite.ts), the same in
# every release of the stack (scripts/chroot-slurm.sh).
FEATURE=bigmem LICENSES=sdplic:4 RESERVATION=sdpopts RESERVATION_START=2035-01-01T00:00:00
JWT_KEY_FILE=$SLURM_DIR/jwt_hs256.key
# A stand-in for an external token issuer (Azure Entra): one RSA key made at stack creation.
# slurmctld trusts its public half through AuthAltParameters=jwks= (read only at its start);
# live specs load the private half into their token server, so no restart is needed per test.
JWKS_FILE=$SLURM_DIR/jwks.json
JWKS_KEY_FILE=$SLURM_DIR/jwks_signing_key.pem
MUNGE_SOCKET=$MUNGE_DIR/munge.socket
ENV_FILE=$STACK_DIR/stack.env
LOCK_FILE=$STACK_DIR/stack.lock
# Written by stack-start.sh; stack-stop.sh --purge only deletes a dir carrying it.
MARKER_FILE=$STACK_DIR/.sdp-slurm-stack
# Bump LAYOUT_VERSION whenever ensure_layout or slurm.conf changes: a stack whose daemons all
# run (the fast path, which skips ensure_layout) but whose stamp differs goes through
# ensure_layout again, which restarts the Slurm daemons when slurm.conf changed.
# 2: AuthAltParameters=jwks=...,jwt_key=... (RS256 beside HS256) and the JWKS signing key.
# 3: two GPUs (gres.conf, stand-in devices), a node feature, licenses and a reservation.
LAYOUT_VERSION=3
LAYOUT_STAMP=$RUN_DIR/layout.version

ETCD_CLIENT_PORT=12379
ETCD_PEER_PORT=12380
SLURMCTLD_PORT=16817
SLURMD_PORT=16818
SLURMRESTD_PORT=16820
SLURM_URL=http://127.0.0.1:$SLURMRESTD_PORT
ETCD_ENDPOINT=http://127.0.0.1:$ETCD_CLIENT_PORT

JOB_USER=slurmjob
REST_USER=slurmrest
# The kernel's name, as Slurm sees it through gethostname() ($HOSTNAME can be
# inherited from the caller's environment).
read -r HOST_NAME </proc/sys/kernel/hostname
NODE_NAME=${HOST_NAME%%.*}

# munged writes its own PID file next to its socket; slurmctld/slurmd write theirs
# (slurm.conf); etcd's and slurmrestd's are $! as recorded by stack-start.sh.
declare -A PID_FILE=(
  [munged]=$MUNGE_DIR/munged.pid
  [etcd]=$RUN_DIR/etcd.pid
  [slurmctld]=$RUN_DIR/slurmctld.pid
  [slurmd]=$RUN_DIR/slurmd.pid
  [slurmrestd]=$RUN_DIR/slurmrestd.pid
)
declare -A LOG_FILE=(
  [munged]=$MUNGE_DIR/munged.log
  [etcd]=$LOG_DIR/etcd.log
  [slurmctld]=$LOG_DIR/slurmctld.log
  [slurmd]=$LOG_DIR/slurmd.log
  [slurmrestd]=$LOG_DIR/slurmrestd.log
)

# munged and Slurm refuse group/world-writable files; a caller's umask 000 would make them.
umask 022

# No terminal and maybe no stdin at all in CI; never let a daemon or a child read ours.
exec </dev/null

# A caller that sourced stack.env exports SLURM_JWT: Slurm clients would then
# authenticate as slurmjob via JWT instead of munge (and `scontrol token` for
# other users would fail). SQUEUE_*/SINFO_*... would change the output we parse.
# SLURM_RELEASE is ours (which Slurm to start), not Slurm's: kept.
SDP_SLURM_RELEASE=${SLURM_RELEASE:-22.05}
for _var in $(compgen -e); do
  case $_var in SLURM_* | SQUEUE_* | SINFO_* | SCANCEL_* | SCONTROL_*) unset "$_var" ;; esac
done
unset _var
export SLURM_CONF=$CONF_FILE
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH

log() { echo "stack: $*" >&2; }

# Sets NOW_MS without a subshell (a fork costs more than the rest of a poll).
tick() { NOW_MS=$((${EPOCHREALTIME/./} / 1000)); }

require_root() {
  [[ $EUID -eq 0 ]] && return 0
  # slurmd must run as root and the users/keys need root; re-exec rather than
  # half-working as a normal user.
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    exec sudo -n SDP_STACK_DIR="$STACK_DIR" bash "$0" "$@"
  fi
  log "must run as root (or with password-less sudo)"
  exit 1
}

# Zombies count as dead: a stopped daemon stays Z until PID 1 gets round to it.
proc_alive() {
  local stat rest
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  { read -r stat </proc/"$1"/stat; } 2>/dev/null || return 1
  rest=${stat##*) }
  [[ ${rest%% *} != [ZX] ]]
}

ppid_of() {
  local stat rest
  { read -r stat </proc/"$1"/stat; } 2>/dev/null || return 1
  rest=${stat##*) }
  rest=${rest#* }
  echo "${rest%% *}"
}

# The comm and the stack dir on the command line guard against a recycled PID
# and against the same daemon of another stack dir.
is_our_daemon() {
  local name=$1 pid=$2 comm args
  proc_alive "$pid" || return 1
  { read -r comm </proc/"$pid"/comm; } 2>/dev/null || return 1
  [[ $comm == "$name" ]] || return 1
  { mapfile -d '' -t args </proc/"$pid"/cmdline; } 2>/dev/null || return 1
  [[ " ${args[*]} " == *"$STACK_DIR/"* ]]
}

# Prints the PID of daemon $1 of THIS stack if it is running. Falls back to a
# /proc scan so a lost PID file can neither leave a daemon behind nor make a
# second copy fail on a busy port.
daemon_pid() {
  local name=$1 pid d comm
  if { read -r pid <"${PID_FILE[$name]}"; } 2>/dev/null && is_our_daemon "$name" "$pid"; then
    echo "$pid"
    return 0
  fi
  for d in /proc/[0-9]*; do
    { read -r comm <"$d/comm"; } 2>/dev/null || continue
    [[ $comm == "$name" ]] || continue
    pid=${d#/proc/}
    if is_our_daemon "$name" "$pid"; then
      # Record it again, for stack-stop.sh and the next caller's fast path.
      echo "$pid" 2>/dev/null >"${PID_FILE[$name]}" || true
      echo "$pid"
      return 0
    fi
  done
  return 1
}

# TERM, wait up to $2 s, then KILL.
stop_pid() {
  local pid=$1 timeout=${2:-10} deadline
  proc_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  tick
  deadline=$((NOW_MS + timeout * 1000))
  while proc_alive "$pid"; do
    tick
    if ((NOW_MS > deadline)); then
      log "pid $pid ignored SIGTERM for ${timeout}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      deadline=$((NOW_MS + 5000))
      while proc_alive "$pid" && tick && ((NOW_MS < deadline)); do sleep 0.02; done
      if proc_alive "$pid"; then
        log "pid $pid survived SIGKILL"
        return 1
      fi
      return 0
    fi
    sleep 0.02
  done
}

stop_daemon() {
  local name=$1 pid
  if pid=$(daemon_pid "$name"); then
    log "stopping $name (pid $pid)"
    stop_pid "$pid" "${2:-10}"
  fi
  rm -f "${PID_FILE[$name]}"
}

# Serialises every start/stop on one stack dir. Re-opens when the file was
# replaced under us (stack-stop.sh --purge deletes it while a starter waits), or
# two callers would each hold a lock on a different inode.
take_lock() {
  local tries=0
  while :; do
    exec 9>>"$LOCK_FILE"
    if ! flock -w "${SDP_STACK_LOCK_TIMEOUT:-900}" 9; then
      log "timed out waiting for $LOCK_FILE"
      exit 1
    fi
    [[ -e $LOCK_FILE && /proc/self/fd/9 -ef $LOCK_FILE ]] && return 0
    exec 9>&-
    if ((++tries >= 20)); then
      log "cannot hold $LOCK_FILE"
      exit 1
    fi
    mkdir -p "$STACK_DIR"
  done
}

# http_get PORT PATH [HEADER...]: GET on 127.0.0.1 through bash's /dev/tcp (no
# process start; see the top of this file). HTTP/1.0 so that the server closes
# the connection and never chunks. Sets HTTP_STATUS and HTTP_BODY.
http_get() {
  local port=$1 path=$2 fd h req response rc=0
  shift 2
  HTTP_STATUS=0 HTTP_BODY=
  { exec {fd}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
  req="GET $path HTTP/1.0"$'\r\n'"Host: 127.0.0.1:$port"$'\r\n'
  for h; do req+="$h"$'\r\n'; done
  printf '%s\r\n' "$req" 1>&"$fd" 2>/dev/null || rc=1
  # read -d '' stops at EOF (status 1); above 128 means the 5 s timeout hit.
  IFS= read -r -d '' -t 5 response <&"$fd" || (($? < 128)) || rc=1
  exec {fd}>&-
  ((rc == 0)) || return 1
  [[ $response =~ ^HTTP/[0-9.]+\ ([0-9]+) ]] || return 1
  HTTP_STATUS=${BASH_REMATCH[1]}
  HTTP_BODY=${response#*$'\r\n\r\n'}
}
