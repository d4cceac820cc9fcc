// The CLI's words: usage, per-command help with the environment each command reads, version.

import { readFileSync } from 'node:fs';

const CONNECTION = `  SDP_SLURMDEPLOY_SLURM_URL       base URL of slurmrestd (required)
  SDP_SLURMDEPLOY_CLIENT_ID       Slurm user name, and the Entra client id (required)
  SDP_SLURMDEPLOY_SLURM_JWT       a ready JWT for that user (tried first)
  SDP_SLURMDEPLOY_SLURM_JWT_FILE  or a file holding it, read again as it nears expiry or is rejected
  SDP_SLURMDEPLOY_AZURE_URL       or Entra: the authority (https), with
  SDP_SLURMDEPLOY_CLIENT_SECRET   the client secret (client id: SDP_SLURMDEPLOY_CLIENT_ID)
  SDP_SLURMDEPLOY_AZURE_SCOPE     scope of the token (<client id>/.default)
  SDP_SLURMDEPLOY_AZURE_CA        PEM CA file trusted for the token server, beside the system's
  SDP_SLURMDEPLOY_API_VERSION     use this REST API version (default: negotiated, v0.0.38..v0.0.45)
  SDP_SLURMDEPLOY_RELEASE_NAME    with the namespace, makes the job label (required)
  SDP_SLURMDEPLOY_NAMESPACE       (required)
  SDP_CONFIG_BACKEND              etcd3 (default) or memory
  SDP_CONFIG_HOST, SDP_CONFIG_PORT, SDP_CONFIG_PROTOCOL   etcd address (127.0.0.1, 2379, http)
  SDP_CONFIG_USERNAME, SDP_CONFIG_PASSWORD                etcd authentication`;

const JOBS = `  SDP_SLURMDEPLOY_JOB_PARTITION, _JOB_TIME_LIMIT, _JOB_WORKDIR, _JOB_ACCOUNT, _JOB_QOS   job defaults
  SDP_SLURM_ENV_<NAME>            passed to every job as <NAME>
  SDP_SLURMDEPLOY_KEEP_STATE      true: keep the state of deleted deployments`;

export const USAGE = `usage: deployer [run]                       run the deployer (the default)
       deployer status                      a table of slurm deployments and their jobs
       deployer plan [--json]               what the deployer would do now, without doing it
       deployer replay [--quiet] <journal>  replay a journal through the reducer
       deployer <command> --help | --version
`;

export const HELP: Readonly<Record<string, string>> = {
  run: `usage: deployer [run]

Watches the SDP Config DB for deployments of kind slurm, submits each as a Slurm batch job,
polls Slurm, writes each deployment's state back, and cancels the jobs of removed deployments.
Stops on SIGTERM or SIGINT: no new work, commands in flight get a grace period; exit 0.
A second signal exits at once. Exit 2: bad configuration (the message names the variable).

Environment:
${CONNECTION}
${JOBS}
  SDP_SLURMDEPLOY_LOOP_INTERVAL   seconds between Slurm polls (60)
  SDP_SLURMDEPLOY_LIVENESS_FILE   touched after every successful poll (/tmp/alive)
  SDP_SLURMDEPLOY_METRICS_PORT    serve /metrics and /healthz on this port (unset: none)
  SDP_SLURMDEPLOY_METRICS_HOST    address for that port (0.0.0.0)
  SDP_SLURMDEPLOY_SHUTDOWN_GRACE  seconds to wait for commands in flight when stopping (10)
  SDP_SLURMDEPLOY_JOURNAL         append every event and its commands to this file
  SDP_LOG_LEVEL                   DEBUG, INFO, WARNING, ERROR (INFO)
  SDP_LOG_FORMAT                  json, human or ska (human on a terminal, else json)
`,
  status: `usage: deployer status

Prints one row per slurm deployment: its job id and Slurm state as Slurm has them now, the
status the deployer last wrote, the reason, and the job's age. Reads; changes nothing.

Environment:
${CONNECTION}
`,
  plan: `usage: deployer plan [--json]

Prints what a deployer starting now would do (submits, cancels, state writes), decided by the
real reducer from the Config DB and one poll of Slurm. Carries out nothing.
--json prints one command per line as JSON.

Environment:
${CONNECTION}
${JOBS}
`,
  replay: `usage: deployer replay [--quiet] <journal>

Runs the events of a journal (SDP_SLURMDEPLOY_JOURNAL) through the reducer and prints the
commands, one JSON line each. Exit 1 names the first step that differs from the recording.
--quiet verifies without printing. Reads no environment.
`,
};

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
