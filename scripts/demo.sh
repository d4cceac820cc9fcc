#!/usr/bin/env bash
# The demo: starts the local stack, starts the deployer, creates one slurm deployment in the
# Config DB as ska-sdp-config would store it, prints its state as it moves to FINISHED, and
# prints the job's output. Everything it starts, it stops at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\n== %s\n' "$*"; }

# shellcheck source=scripts/ensure-node-modules.sh
source scripts/ensure-node-modules.sh
[[ -f dist/bin/main.js && ! lib -nt dist ]] || npx tsc -p tsconfig.json

say "starting the local stack (etcd + Slurm with slurmrestd)"
started_stack=1
if (exec 3<>/dev/tcp/127.0.0.1/16820) 2>/dev/null; then started_stack=0; fi
bash scripts/stack-start.sh
# shellcheck disable=SC1091
. "${SDP_STACK_DIR:-/tmp/sdp-slurm-stack}/stack.env"
etcd() { ETCDCTL_API=3 etcdctl --endpoints="$ETCD_ENDPOINT" "$@"; }

id="demo-$(date +%H%M%S)"
log_file="$SDP_STACK_DIR/deployer-$id.log"
deployer_pid=
cleanup() {
  [[ -n $deployer_pid ]] && kill -TERM "$deployer_pid" 2>/dev/null && wait "$deployer_pid" 2>/dev/null || true
  etcd del --prefix "2/deploy/$id" >/dev/null 2>&1 || true
  etcd del --prefix "3/deploy/$id" >/dev/null 2>&1 || true
  ((started_stack)) && bash scripts/stack-stop.sh >/dev/null 2>&1 || true
}
trap cleanup EXIT

say "starting the deployer (log: $log_file)"
SDP_SLURMDEPLOY_SLURM_URL=$SLURM_URL \
SDP_SLURMDEPLOY_CLIENT_ID=$SLURM_USER \
SDP_SLURMDEPLOY_SLURM_JWT=$SLURM_JWT \
SDP_SLURMDEPLOY_RELEASE_NAME=demo \
SDP_SLURMDEPLOY_NAMESPACE=local \
SDP_SLURMDEPLOY_LOOP_INTERVAL=1 \
SDP_SLURMDEPLOY_LIVENESS_FILE="$SDP_STACK_DIR/alive-demo" \
SDP_SLURMDEPLOY_JOB_WORKDIR="$SLURM_JOB_DIR" \
SDP_CONFIG_HOST=$SDP_CONFIG_HOST SDP_CONFIG_PORT=$SDP_CONFIG_PORT \
SDP_SLURM_ENV_GREETING="hello from the deployer's SDP_SLURM_ENV_GREETING" \
  node bin/deployer >"$log_file" 2>&1 </dev/null &
deployer_pid=$!

out="$SLURM_JOB_DIR/$id.out"
# The value as ska-sdp-config stores it: {"key", "kind", "args"}.
value=$(ID=$id OUT=$out node -e '
  const script = [
    "#!/bin/bash",
    "echo \"job $SLURM_JOB_ID for deployment $SDP_DEPLOYMENT_ID on $(hostname)\"",
    "echo \"$GREETING\"",
    "for i in 1 2 3; do echo \"working ($i/3)\"; sleep 1; done",
    "echo done",
  ].join("\n") + "\n";
  const { ID: key, OUT: standard_output } = process.env;
  process.stdout.write(JSON.stringify({ key, kind: "slurm", args: { script, standard_output } }));
')
say "creating deployment /deploy/$id (etcd key 2/deploy/$id)"
echo "$value"
etcd put "2/deploy/$id" "$value" >/dev/null

say "state of /deploy/$id/state as the deployer writes it"
last=
status=
for _ in $(seq 1 240); do
  state=$(etcd get --print-value-only "3/deploy/$id/state" || true)
  state=$(tr -s ' \n' ' ' <<<"$state")
  state=${state% }
  if [[ -n $state && $state != "$last" ]]; then
    printf '%s  %s\n' "$(date +%T)" "$state"
    last=$state
  fi
  [[ $state =~ \"status\":\ *\"([A-Z]+)\" ]] && status=${BASH_REMATCH[1]}
  [[ $status == FINISHED || $status == FAILED || $status == CANCELLED ]] && break
  sleep 0.25
done

say "the job's output ($out)"
cat "$out" 2>/dev/null || echo "(no output file)"
if [[ $status == FINISHED ]]; then
  say "the deployment reached FINISHED"
else
  say "the deployment did not reach FINISHED (status: ${status:-none}); deployer log follows"
  cat "$log_file"
  exit 1
fi
