#!/usr/bin/env bash
# Stops the local test stack started by stack-start.sh: cancels all Slurm jobs,
# reaps job processes that outlive slurmd, then stops slurmrestd, slurmd,
# slurmctld, etcd and munged, each by the PID recorded for THIS stack dir (never
# by name: another stack or a real cluster may run the same programs).
# Idempotent. --purge also deletes the stack dir (state, keys, logs, job output).
# SLURM_RELEASE=24.11|26.05 stops that release's chroot Slurm instead (see stack-start.sh).
set -euo pipefail

HERE=${BASH_SOURCE[0]%/*}
[[ $HERE == "${BASH_SOURCE[0]}" ]] && HERE=.
# shellcheck source=scripts/stack-lib.sh
. "$HERE/stack-lib.sh"

PURGE=
for arg in "$@"; do
  case $arg in
    --purge) PURGE=1 ;;
    -h | --help)
      echo "usage: $0 [--purge]   (stack dir: \${SDP_STACK_DIR:-/tmp/sdp-slurm-stack})"
      exit 0
      ;;
    *)
      log "unknown argument: $arg"
      exit 2
      ;;
  esac
done

require_root "$@"

# SLURM_RELEASE=24.11 or 26.05: stop only that release's chroot Slurm (scripts/chroot-slurm.sh),
# by PID; the host stack and the cached root stay.
SLURM_RELEASE=$SDP_SLURM_RELEASE
case $SLURM_RELEASE in
  22.05) ;;
  24.11 | 26.05) SDP_STACK_DIR=$STACK_DIR exec bash "$HERE/chroot-slurm.sh" stop "$SLURM_RELEASE" ;;
  *) log "SLURM_RELEASE must be 22.05, 24.11 or 26.05"; exit 2 ;;
esac

if [[ ! -d $STACK_DIR ]]; then
  echo "stack stopped: nothing at $STACK_DIR"
  exit 0
fi
# stack-start.sh marks every dir it uses; without the mark nothing of ours runs
# there, and --purge must not delete someone else's directory.
if [[ ! -e $MARKER_FILE ]]; then
  if [[ -n $PURGE ]]; then
    log "$STACK_DIR has no ${MARKER_FILE##*/}: not a stack dir, not deleting it"
    exit 1
  fi
  echo "stack stopped: nothing at $STACK_DIR"
  exit 0
fi
take_lock

# KillWait=5 plus slack; jobs normally end in well under a second.
JOB_WAIT=${SDP_STACK_JOB_WAIT:-20}

cancel_jobs() {
  local ids deadline
  daemon_pid slurmctld >/dev/null || return 0
  if ! ids=$(timeout 20 squeue -h -o %i 2>/dev/null); then
    log "squeue failed: not cancelling jobs (their processes are reaped below)"
    return 0
  fi
  [[ -n $ids ]] || return 0
  log "cancelling $(wc -w <<<"$ids") job(s)"
  # shellcheck disable=SC2086 # one job id per word
  timeout 20 scancel $ids 2>/dev/null || true
  # Without slurmd nothing will ever report them ended.
  daemon_pid slurmd >/dev/null || return 0
  tick
  deadline=$((NOW_MS + JOB_WAIT * 1000))
  while [[ -n $(timeout 10 squeue -h -o %i 2>/dev/null) ]]; do
    tick
    if ((NOW_MS > deadline)); then
      log "jobs still not ended after ${JOB_WAIT}s; reaping their processes"
      return 0
    fi
    sleep 0.1
  done
}

# slurmstepd and the job processes are not slurmd's children in any way that
# stopping slurmd would end: they get reparented to PID 1 and keep running. They
# are recognised by SLURM_CONF=<our conf> in their environment or a cwd inside
# the stack dir (an env marker would not do: slurmstepd's setproctitle overwrites
# the start of its environ). Only slurmstepd, processes carrying SLURM_JOB_ID and
# their descendants are taken: a test runner that sourced stack.env also has our
# SLURM_CONF, and our own ancestors are never touched.
reap_job_processes() {
  local -A cand=() skip=() take=() children=()
  local p f comm stat rest ppid changed
  p=$$
  while [[ -n $p && $p != 0 ]]; do
    skip[$p]=1
    [[ $p == 1 ]] && break
    p=$(ppid_of "$p") || break
  done
  while read -r f; do
    p=${f#/proc/}
    cand[${p%%/*}]=1
  done < <(grep -lzxF "SLURM_CONF=$CONF_FILE" /proc/[0-9]*/environ 2>/dev/null || true)
  while read -r p; do
    cand[${p#/proc/}]=1
  done < <(find /proc -mindepth 2 -maxdepth 2 -name cwd \
    \( -lname "$STACK_DIR" -o -lname "$STACK_DIR/*" \) -printf '%h\n' 2>/dev/null || true)

  for p in "${!cand[@]}"; do
    if [[ -n ${skip[$p]:-} ]] || ! proc_alive "$p"; then continue; fi
    { read -r comm </proc/"$p"/comm; } 2>/dev/null || continue
    if [[ $comm == slurmstepd ]] || grep -qz '^SLURM_JOB_ID=' /proc/"$p"/environ 2>/dev/null; then
      take[$p]=1
    fi
  done
  ((${#take[@]})) || return 0

  for f in /proc/[0-9]*/stat; do
    { read -r stat <"$f"; } 2>/dev/null || continue
    rest=${stat##*) }
    rest=${rest#* }
    ppid=${rest%% *}
    p=${f#/proc/}
    children[$ppid]+=" ${p%/stat}"
  done
  changed=1
  while ((changed)); do
    changed=0
    for p in "${!take[@]}"; do
      for f in ${children[$p]:-}; do
        if [[ -z ${take[$f]:-} && -z ${skip[$f]:-} ]]; then
          take[$f]=1
          changed=1
        fi
      done
    done
  done

  # Their jobs were already cancelled (or cannot be): no point in a grace period,
  # and slurmstepd does not exit on SIGTERM anyway.
  log "reaping ${#take[@]} leftover job process(es): ${!take[*]}"
  kill -KILL "${!take[@]}" 2>/dev/null || true
  local deadline left
  tick
  deadline=$((NOW_MS + 3000))
  while :; do
    left=()
    for p in "${!take[@]}"; do proc_alive "$p" && left+=("$p"); done
    ((${#left[@]})) || return 0
    tick
    if ((NOW_MS > deadline)); then
      log "still alive after SIGKILL: ${left[*]}"
      return 0
    fi
    sleep 0.02
  done
}

# slurmrestd first so nothing new is submitted while jobs are being cancelled.
stop_daemon slurmrestd
cancel_jobs
stop_daemon slurmd
reap_job_processes
stop_daemon slurmctld
stop_daemon etcd
stop_daemon munged

if [[ -n $PURGE ]]; then
  rm -rf -- "$STACK_DIR"
  echo "stack stopped and purged: $STACK_DIR"
else
  echo "stack stopped: $STACK_DIR"
fi
