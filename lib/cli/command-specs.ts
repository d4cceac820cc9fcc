// The commands of the CLI: their names, arguments, flags (for node:util parseArgs) and words.
// lib/cli/arguments.ts parses with these; lib/cli/help-text.ts prints them.

import type { ParseArgsConfig } from 'node:util';

export const PROGRAM = 'sdp-slurm-deployer';

export type CommandName = 'run' | 'status' | 'plan' | 'replay' | 'help' | 'version';

export interface CommandSpec {
  readonly name: CommandName;
  /** One line for the command list. */
  readonly summary: string;
  /** What follows the command name in its usage line. */
  readonly synopsis: string;
  readonly description: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** Lines of `--flag  meaning` for the command's help. */
  readonly flags: readonly (readonly [string, string])[];
  readonly positionals: boolean;
  /** The environment the command reads, as help lines. */
  readonly environment?: string;
}

const CONNECTION = `  SDP_SLURMDEPLOY_SLURM_URL       base URL of slurmrestd (required)
  SDP_SLURMDEPLOY_SLURM_CA        PEM CA file trusted for an https slurmrestd, beside the system's
  SDP_SLURMDEPLOY_SLURM_CLIENT_CERT, _CLIENT_KEY   PEM client certificate and key, for a proxy that asks
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
  SDP_CONFIG_ENDPOINTS            the members of an etcd cluster, comma-separated URLs (instead of host and port)
  SDP_CONFIG_USERNAME, SDP_CONFIG_PASSWORD                etcd authentication
  SDP_CONFIG_PREFIX               ska-sdp-config's global prefix (none)`;

const JOBS = `  SDP_SLURMDEPLOY_JOB_PARTITION, _JOB_TIME_LIMIT, _JOB_WORKDIR, _JOB_ACCOUNT, _JOB_QOS   job defaults
  SDP_SLURM_ENV_<NAME>            passed to every job as <NAME>
  SDP_SLURMDEPLOY_KEEP_STATE      true: keep the state of deleted deployments`;

const HELP_FLAG = ['-h, --help', 'show this help'] as const;

export const STATUS_OUTPUTS = ['table', 'wide', 'json', 'yaml'] as const;
export const PLAN_OUTPUTS = ['text', 'json'] as const;

export const COMMANDS: Readonly<Record<CommandName, CommandSpec>> = {
  run: {
    name: 'run',
    summary: 'run the deployer until SIGTERM or SIGINT (the default)',
    synopsis: '[run]',
    description: `Watches the SDP Config DB for deployments of kind slurm, submits each as a Slurm batch job,
polls Slurm, writes each deployment's state back, and cancels the jobs of removed deployments.
Several replicas elect one leader through etcd; only the leader acts, the others stand by.
Stops on SIGTERM or SIGINT: no new work, commands in flight get a grace period, the leadership
is handed over (its lease revoked); exit 0.
A second signal exits at once. Exit 2: bad configuration (the message names the variable).`,
    options: {},
    flags: [HELP_FLAG],
    positionals: false,
    environment: `${CONNECTION}
${JOBS}
  SDP_SLURMDEPLOY_LOOP_INTERVAL   seconds between full reconciles with Slurm (60)
  SDP_SLURMDEPLOY_STATE_INTERVAL  seconds between polls of our jobs' states, where Slurm has /jobs/state (3)
  SDP_SLURMDEPLOY_SUBMIT_SETTLE   seconds a submit of unknown outcome may still land before it is made again (120)
  SDP_SLURMDEPLOY_TAKEOVER_HOLD   seconds a leader after a crash waits for the last one's submits to land (20; 0: none)
  SDP_SLURMDEPLOY_LIVENESS_FILE   touched after every successful poll, or by a follower reaching etcd (/tmp/alive)
  SDP_SLURMDEPLOY_LEADER_TTL      seconds of the leadership lease: replicas elect one leader (10)
  SDP_SLURMDEPLOY_REPLICA_ID      names this replica (host name and pid)
  SDP_SLURMDEPLOY_METRICS_PORT    serve /metrics and /healthz on this port (unset: none)
  SDP_SLURMDEPLOY_METRICS_HOST    address for that port (0.0.0.0)
  SDP_SLURMDEPLOY_SHUTDOWN_GRACE  seconds to wait for commands in flight when stopping (10)
  SDP_SLURMDEPLOY_JOURNAL         append every event and its commands to this file
  SDP_LOG_LEVEL                   DEBUG, INFO, WARNING, ERROR (INFO)
  SDP_LOG_FORMAT                  json, human or ska (human on a terminal, else json)`,
  },
  status: {
    name: 'status',
    summary: 'slurm deployments and their jobs: Slurm state now, status written, age, reason',
    synopsis: '[ID...] [-o table|wide|json|yaml] [-w [--interval SECONDS]]',
    description: `Prints one row per slurm deployment (only the IDs given, if any): its job id and Slurm state as
Slurm has them now, the status the deployer last wrote (\`(behind 53s)\` where it has not caught
up with Slurm yet), the job's age and the reason; the tables end with the replica that leads
(\`leader: <replica> (term <n>)\` or \`leader: none\`) and the last Slurm poll. Reads; changes
nothing. With --watch, prints again whenever the Config DB, Slurm or the leader shows a change,
until interrupted; a deployment deleted meanwhile stays until its job is seen ended.
Exit 3: etcd out of reach; 4: slurmrestd out of reach; 5: the Slurm token refused or none to be had.`,
    options: {
      output: { type: 'string', short: 'o', default: 'table' },
      watch: { type: 'boolean', short: 'w', default: false },
      interval: { type: 'string', default: '2' },
    },
    flags: [
      ['-o, --output FORMAT', 'table (default), wide (adds exit code, submit id, generation), json or yaml'],
      ['-w, --watch', 'print again on every change of the Config DB or of Slurm'],
      ['    --interval SECONDS', 'with --watch: how often to look at Slurm and the states (2)'],
      HELP_FLAG,
    ],
    positionals: true,
    environment: CONNECTION,
  },
  plan: {
    name: 'plan',
    summary: 'what a deployer starting now would do; does nothing',
    synopsis: '[-o text|json]',
    description: `Prints what a deployer starting now would do (submits, cancels, state writes), decided by the
real reducer from the Config DB and one poll of Slurm. Carries out nothing.
-o json prints a JSON array of the commands ([] when there is nothing to do).
Exit 3: etcd out of reach; 4: slurmrestd out of reach; 5: the Slurm token refused or none to be had.`,
    options: {
      output: { type: 'string', short: 'o', default: 'text' },
      json: { type: 'boolean', default: false },
    },
    flags: [
      ['-o, --output FORMAT', 'text (default: an aligned table) or json'],
      ['    --json', 'the same as -o json'],
      HELP_FLAG,
    ],
    positionals: false,
    environment: `${CONNECTION}
${JOBS}`,
  },
  replay: {
    name: 'replay',
    summary: 'replay a journal (SDP_SLURMDEPLOY_JOURNAL) through the reducer',
    synopsis: '[-q] JOURNAL',
    description: `Runs the events of a journal through the reducer and prints the commands, one JSON line each.
Exit 1 names the first line whose replay differs from the recording and shows the first
differing command as a diff; exit 2: usage, or the file cannot be read. Reads no environment.`,
    options: { quiet: { type: 'boolean', short: 'q', default: false } },
    flags: [['-q, --quiet', 'verify without printing the commands'], HELP_FLAG],
    positionals: true,
  },
  help: {
    name: 'help',
    summary: 'list the commands, or show one command',
    synopsis: '[COMMAND]',
    description: 'Without a command, lists the commands; with one, shows its arguments, flags and environment.',
    options: {},
    flags: [HELP_FLAG],
    positionals: true,
  },
  version: {
    name: 'version',
    summary: 'print the version (also --version)',
    synopsis: '',
    description: 'Prints the name and version of the deployer.',
    options: {},
    flags: [HELP_FLAG],
    positionals: false,
  },
};

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}
