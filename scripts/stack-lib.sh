# shellcheck shell=bash
# Shared by stack-start.sh and stack-stop.sh (sourced, not run): the layout of the
# local test stack (real etcd + single-node Slurm 22.05 with slurmrestd/JWT on
# loopback), PID bookkeeping and the stack lock.

STACK_DIR=${SDP_STACK_DIR:-/tmp/sdp-slurm-stack}
# The path ends up in slurm.conf, stack.env (sourced unquoted) and is compared with
# /proc/PID/cwd, so it must be absolute, canonical and free of shell/conf specials.
STACK_DIR=$(realpath -m -- "$STACK_DIR")
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
JWT_KEY_FILE=$SLURM_DIR/jwt_hs256.key
MUNGE_SOCKET=$MUNGE_DIR/munge.socket
ENV_FILE=$STACK_DIR/stack.env
LOCK_FILE=$STACK_DIR/stack.lock
# Written by stack-start.sh; stack-stop.sh --purge only deletes a dir carrying it.
MARKER_FILE=$STACK_DIR/.sdp-slurm-stack

ETCD_CLIENT_PORT=12379
ETCD_PEER_PORT=12380
SLURMCTLD_PORT=16817
SLURMD_PORT=16818
SLURMRESTD_PORT=16820
SLURM_URL=http://127.0.0.1:$SLURMRESTD_PORT
ETCD_ENDPOINT=http://127.0.0.1:$ETCD_CLIENT_PORT

JOB_USER=slurmjob
REST_USER=slurmrest

DAEMONS=(munged etcd slurmctld slurmd slurmrestd)

# munged and slurm refuse group/world-writable files; a caller's umask 000 would make them.
umask 022

# No terminal and maybe no stdin at all in CI; never let a daemon or a child read ours.
exec </dev/null

# A caller that sourced stack.env exports SLURM_JWT: Slurm clients would then
# authenticate as slurmjob via JWT instead of munge (and `scontrol token` for
# other users fails). SQUEUE_*/SINFO_* would change the output we parse.
while read -r _var; do
  unset "$_var"
done < <(compgen -e | grep -E '^(SLURM|SQUEUE|SINFO|SCANCEL|SCONTROL)_' || true)
unset _var
export SLURM_CONF=$CONF_FILE
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH

log() { echo "stack: $*" >&2; }

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

pid_file() {
  case $1 in
    munged) echo "$MUNGE_DIR/munged.pid" ;;
    *) echo "$RUN_DIR/$1.pid" ;;
  esac
}

log_files() {
  case $1 in
    munged) echo "$MUNGE_DIR/munged.log" ;;
    *) echo "$LOG_DIR/$1.log" ;;
  esac
}

# Zombies count as dead: a stopped daemon stays Z until PID 1 gets round to it.
proc_alive() {
  local stat rest
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  { read -r stat </proc/"$1"/stat; } 2>/dev/null || return 1
  rest=${stat##*) }
  [[ ${rest%% *} != [ZX] ]]
}

is_our_daemon() {
  local name=$1 pid=$2 comm cmdline
  proc_alive "$pid" || return 1
  { read -r comm </proc/"$pid"/comm; } 2>/dev/null || return 1
  [[ $comm == "$name" ]] || return 1
  cmdline=$(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null) || return 1
  [[ $cmdline == *"$STACK_DIR/"* ]]
}

# Prints the PID of daemon $1 of THIS stack if it is running. The comm and the
# stack dir on the command line guard against a recycled PID or another stack.
# Falls back to a /proc scan so a lost PID file cannot leave a daemon behind (or
# make a second one fail on a busy port).
daemon_pid() {
  local name=$1 pid d comm
  if { read -r pid <"$(pid_file "$name")"; } 2>/dev/null && is_our_daemon "$name" "$pid"; then
    echo "$pid"
    return 0
  fi
  for d in /proc/[0-9]*; do
    { read -r comm <"$d/comm"; } 2>/dev/null || continue
    [[ $comm == "$name" ]] || continue
    pid=${d#/proc/}
    if is_our_daemon "$name" "$pid"; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

# TERM, wait up to $2 s, then KILL.
stop_pid() {
  local pid=$1 timeout=${2:-10} deadline
  proc_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(($(now_ms) + timeout * 1000))
  while proc_alive "$pid"; do
    if (($(now_ms) > deadline)); then
      log "pid $pid ignored SIGTERM for ${timeout}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      deadline=$(($(now_ms) + 5000))
      while proc_alive "$pid" && (($(now_ms) < deadline)); do sleep 0.02; done
      proc_alive "$pid" && { log "pid $pid survived SIGKILL"; return 1; }
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
  rm -f "$(pid_file "$name")"
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
    ((++tries < 20)) || { log "cannot hold $LOCK_FILE"; exit 1; }
    mkdir -p "$STACK_DIR"
  done
}
