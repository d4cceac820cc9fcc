#!/usr/bin/env bash
# foreign-load.sh fill|churn|clear|count RELEASE [...]
#   Other users' work in a chroot Slurm (24.11 or 26.05, scripts/chroot-slurm.sh): what a production
#   slurmctld holds besides the deployer's jobs. Every foreign job belongs to the release's
#   SLURM_FOREIGN_USER and is named sdp-foreign-load; only jobs with both are ever touched.
#     fill RELEASE N [LOOPS]  adds N held jobs, submitted by root inside the chroot (root is exempt
#                             from the rate limit) in LOOPS parallel sbatch loops (8: ~4 min for 20,000)
#     churn RELEASE [SECONDS] changes one of them every SECONDS (5) until stopped (a busy cluster:
#                             any change anywhere makes an update_time listing return everything)
#     clear RELEASE [--no-wait] cancels them, then waits until slurmctld has forgotten them
#                             (MinJobAge, 300 s): until then they still fill every full job list
#     count RELEASE           prints how many there are (any state)
set -euo pipefail

ACTION=${1:?usage: $0 fill|churn|clear|count RELEASE [...]}
RELEASE=${2:?usage: $0 fill|churn|clear|count RELEASE [...]}
STACK_DIR=${SDP_STACK_DIR:-/tmp/sdp-slurm-stack}
ENV_FILE=$STACK_DIR/stack-$RELEASE.env
NAME=sdp-foreign-load

log() { echo "foreign-load $RELEASE: $*" >&2; }
die() { log "FAILED: $*"; exit 1; }
[[ $(id -u) == 0 ]] || die "must run as root"
[[ -r $ENV_FILE ]] || die "no $ENV_FILE: start the release first (SLURM_RELEASE=$RELEASE scripts/stack-start.sh)"
ROOT=$(sed -n 's/^SLURM_ROOT=//p' "$ENV_FILE")
USER_NAME=$(sed -n 's/^SLURM_FOREIGN_USER=//p' "$ENV_FILE")
[[ -n $ROOT && -d $ROOT ]] || die "no SLURM_ROOT in $ENV_FILE"
[[ -n $USER_NAME ]] || die "no SLURM_FOREIGN_USER in $ENV_FILE: a stack started by an older chroot-slurm.sh; start it again"

in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/bin:/usr/sbin:/bin:/sbin SLURM_CONF=/stack/slurm/slurm.conf LANG=C.UTF-8 "$@"; }
ids() { in_root squeue -h -a -t "${1:-all}" -u "$USER_NAME" -n "$NAME" -o %i; }
count() { ids "${1:-all}" | wc -l; }

fill() {
  local n=${1:?usage: $0 fill RELEASE N [LOOPS]} loops=${2:-8} started=$SECONDS before
  [[ $n =~ ^[0-9]+$ && $loops =~ ^[1-9][0-9]*$ ]] || die "N and LOOPS are numbers"
  before=$(count)
  log "submitting $n held jobs of $USER_NAME in $loops loops"
  # Held (never started), in the default partition, output nowhere: records in slurmctld, no load on the node.
  # shellcheck disable=SC2016 # expanded by the chroot's bash
  in_root bash -c '
    n=$1 loops=$2 user=$3 name=$4 pids=()
    for ((i = 0; i < loops; i++)); do
      share=$((n / loops + (i < n % loops ? 1 : 0)))
      (for ((k = 0; k < share; k++)); do
        sbatch --quiet --hold --uid="$user" --job-name="$name" --chdir=/tmp --output=/dev/null --wrap=true || exit 1
      done) &
      pids+=($!)
    done
    fail=0
    for p in "${pids[@]}"; do wait "$p" || fail=1; done
    exit $fail
  ' fill "$n" "$loops" "$USER_NAME" "$NAME" || die "an sbatch loop failed"
  log "$(( $(count) - before )) jobs added in $((SECONDS - started)) s ($(count) in all)"
}

churn() {
  local every=${1:-5} n=0 list=() id
  log "changing one $NAME job every $every s until stopped"
  trap 'log "stopped after $n changes"; exit 0' TERM INT
  while :; do
    if ((${#list[@]} == 0)); then
      mapfile -t list < <(ids pending)
      ((${#list[@]})) || { sleep "$every"; continue; }
    fi
    id=${list[RANDOM % ${#list[@]}]}
    # A new comment: a change of the job record (its update time), nothing else.
    if in_root scontrol update jobid="$id" comment="churn $((++n)) at $EPOCHSECONDS" 2>/dev/null; then :; else list=(); fi
    sleep "$every" &
    wait $!
  done
}

clear_jobs() {
  local wait=1 left started=$SECONDS
  [[ ${1:-} == --no-wait ]] && wait=
  left=$(count pending)
  # Both filters: only this script's jobs of the foreign user, never anybody else's.
  ((left == 0)) || in_root scancel --user="$USER_NAME" --name="$NAME" || die "scancel failed"
  log "cancelled $left pending jobs"
  [[ -n $wait ]] || return 0
  local min_age; min_age=$(in_root scontrol show config | sed -n 's/^MinJobAge *= *\([0-9]*\).*/\1/p')
  log "waiting for slurmctld to forget them (MinJobAge ${min_age:-?} s)"
  while left=$(count) && ((left > 0)); do
    ((SECONDS - started < ${min_age:-300} + 300)) || die "$left jobs still listed after $((SECONDS - started)) s"
    sleep 10
  done
  log "none left after $((SECONDS - started)) s"
}

case $ACTION in
  fill) fill "${@:3}" ;;
  churn) churn "${@:3}" ;;
  clear) clear_jobs "${@:3}" ;;
  count) count ;;
  *) die "unknown action $ACTION" ;;
esac
