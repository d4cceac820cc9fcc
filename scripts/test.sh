#!/usr/bin/env bash
# Runs every test from a fresh clone: installs the npm packages, builds, starts the local
# stack (installing Debian's etcd and Slurm packages when missing) and the newer real Slurm
# releases of the matrix (24.11 and 26.05 in debootstrap roots cached under
# /var/cache/sdp-slurm-deployer, built on first use), runs mocha, prints one line per release
# and API version with its passing specs, and stops what this script started.
# `npm test` and .ci/run call this. SLURM_RELEASES="22.05 24.11" limits the matrix.
# With arguments (`npm test -- spec/lib/core/x.spec.ts --grep pattern`) it runs just those: it
# builds and hands them to mocha, spec paths given as sources (spec/**/*.ts) mapped to what tsc
# built (dist/spec/**/*.js); the stack is neither started nor stopped here (a live spec starts
# what it needs, and it is left running).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/ensure-node-modules.sh
source scripts/ensure-node-modules.sh
npx tsc -p tsconfig.json

releases=${SLURM_RELEASES:-22.05 24.11 26.05}
summary() {
  echo
  echo "== real Slurm matrix (release, API version: specs passing) =="
  if [[ -s $SDP_MATRIX_SUMMARY ]]; then sort -V "$SDP_MATRIX_SUMMARY"; else echo "(no live matrix spec ran)"; fi
}

if (($# > 0)); then
  args=()
  for arg in "$@"; do
    # A source path (file, folder or quoted glob) names its build output: mocha runs dist/.
    if [[ $arg == spec/* || $arg == ./spec/* ]]; then
      arg=dist/${arg#./}
      [[ $arg == *.ts ]] && arg=${arg%.ts}.js
    fi
    args+=("$arg")
  done
  SDP_MATRIX_SUMMARY=$(mktemp)
  trap 'rm -f "$SDP_MATRIX_SUMMARY"' EXIT
  export SDP_MATRIX_SUMMARY SLURM_RELEASES=$releases
  rc=0
  npx mocha "${args[@]}" || rc=$?
  summary
  exit "$rc"
fi

declare -A REST_PORT=([22.05]=16820 [24.11]=17820 [26.05]=18820)
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A stack that was already up (a developer's) is left running; one started here is stopped.
stop_here=()
up 16820 || stop_here+=(22.05)
bash scripts/stack-start.sh
for release in $releases; do
  [[ $release == 22.05 ]] && continue
  [[ -n ${REST_PORT[$release]:-} ]] || { echo "test.sh: unknown release $release" >&2; exit 2; }
  up "${REST_PORT[$release]}" || stop_here+=("$release")
  started=$SECONDS
  SLURM_RELEASE=$release bash scripts/stack-start.sh | tail -n 1
  echo "Slurm $release ready in $((SECONDS - started)) s"
done
stop_started() {
  local release
  for release in "${stop_here[@]}"; do
    if [[ $release == 22.05 ]]; then
      bash scripts/stack-stop.sh >/dev/null || true
    else
      SLURM_RELEASE=$release bash scripts/stack-stop.sh >/dev/null 2>&1 || true
    fi
  done
}

SDP_MATRIX_SUMMARY=$(mktemp)
NEWER_OUT=$(mktemp)
newer=
# (A trap's failing command would set the script's exit status under set -e: the newer lane's
# mocha has normally ended, and kill then fails.)
trap 'if [[ -n $newer ]]; then kill "$newer" 2>/dev/null || true; fi; stop_started; rm -f "$SDP_MATRIX_SUMMARY" "$NEWER_OUT"' EXIT
export SDP_MATRIX_SUMMARY SLURM_RELEASES=$releases

# Two mocha processes at once, on two lanes that share no Slurm daemon: the specs whose titles
# name Slurm 24.11 or 26.05 (their chroots' slurmctld, slurmrestd and slurmdbd; the stack's
# etcd, each below a prefix of its own), and every other spec, the 22.05 stack's, whose outage
# specs stop its slurmctld and slurmrestd. Their waits overlap: mocha took 10 minutes instead of
# 14 on 2 cores (the newer lane 6).
# The newer lane's report is printed after the other's, whole.
NEWER='24\.11|26\.05'
started=$SECONDS
npx mocha --grep "$NEWER" >"$NEWER_OUT" 2>&1 &
newer=$!
rc=0
npx mocha --grep "$NEWER" --invert || rc=$?
newer_rc=0
wait "$newer" || newer_rc=$?
echo
echo "== the specs of Slurm 24.11 and 26.05, run beside the above (mocha --grep '$NEWER') =="
cat "$NEWER_OUT"
echo "both lanes done in $((SECONDS - started)) s"
((rc != 0)) || rc=$newer_rc
summary
exit "$rc"
