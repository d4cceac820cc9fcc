// Builds the version-free JobSpec of a slurm deployment: deployer defaults, then the
// deployment's own args. Pure; the deployer's secrets are not among its inputs.

import { definedOnly } from './defined-only.js';
import type { SlurmArgs } from './slurm-args.js';
import { hasNamedDependencies, slurmDependency, type AfterField } from './dependencies.js';
import { jobOptionsOf, type JobOptions } from './job-options.js';
import { formatJobIdentity, type JobSpec } from './slurm-job.js';

/** Defaults a deployment may override (the `SDP_SLURMDEPLOY_JOB_*` variables). */
export interface JobDefaults {
  /** The Slurm partition (sbatch --partition). */
  readonly partition?: string;
  /** The time limit in minutes (sbatch --time). */
  readonly timeLimitMinutes?: number;
  /** Where the batch script starts (sbatch --chdir). */
  readonly currentWorkingDirectory?: string;
  /** The account charged (sbatch --account). */
  readonly account?: string;
  /** The quality of service (sbatch --qos). */
  readonly qos?: string;
}

/** What the deployer puts into every job it submits, whatever the deployment asks. */
export interface JobSettings {
  /** The job label (`sdp_slurm_deployer_<release>_<namespace>`): the mcs_label of every job of this deployer, by which it tells its jobs from the cluster's others. */
  readonly label: string;
  /** Values a deployment may override. */
  readonly defaults: JobDefaults;
  /** Deployer defaults for every job: SDP_CONFIG_HOST, SDP_CONFIG_PORT, PATH. */
  readonly baseEnvironment: Readonly<Record<string, string>>;
  /** `SDP_SLURM_ENV_<NAME>` variables, prefix stripped. */
  readonly extraEnvironment: Readonly<Record<string, string>>;
}

const PB_ID = /(pb-[a-z0-9]+-[0-9]{8}-[a-z0-9]+)/;

/** The processing block a deployment belongs to, read from its id as SDP names them. */
export function processingBlockOf(deploymentId: string): string | undefined {
  return PB_ID.exec(deploymentId)?.[1];
}

/**
 * `after`: the job ids the after_* lists resolve to now (dependency-gate.ts), by field; a
 * deployment none of whose dependencies is still to be waited for has none.
 */
export function buildJobSpec(
  deploymentId: string,
  submitId: string,
  args: SlurmArgs,
  settings: JobSettings,
  specHash?: string,
  after?: ReadonlyMap<AfterField, readonly number[]>,
): JobSpec {
  const pbId = processingBlockOf(deploymentId);
  const environment = {
    ...settings.baseEnvironment,
    SDP_DEPLOYMENT_ID: deploymentId,
    ...definedOnly({ SDP_PB_ID: pbId }),
    ...settings.extraEnvironment,
    ...(args.environment ?? {}),
  };
  const d = settings.defaults;
  const options = withDependencies(jobOptionsOf(args), args, after);
  return definedOnly({
    name: deploymentId,
    script: args.script ?? scriptOfCommand(args.command ?? []),
    environment,
    mcsLabel: settings.label,
    comment: formatJobIdentity(definedOnly({ deploymentId, submitId, specHash })),
    partition: args.partition ?? d.partition,
    timeLimitMinutes: args.time_limit ?? d.timeLimitMinutes,
    nodes: args.nodes,
    tasks: args.tasks,
    cpusPerTask: args.cpus_per_task,
    memoryPerNodeMB: args.memory_per_node,
    currentWorkingDirectory: args.current_working_directory ?? d.currentWorkingDirectory,
    account: args.account ?? d.account,
    qos: args.qos ?? d.qos,
    standardOutput: args.standard_output,
    standardError: args.standard_error,
    options: Object.keys(options).length === 0 ? undefined : options,
  });
}

/**
 * The dependency Slurm gets; and a job that depends on deployments is cancelled by Slurm once a
 * dependency can never be met (it would stay PENDING for ever otherwise), unless the args say not.
 */
function withDependencies(options: JobOptions, args: SlurmArgs, after: ReadonlyMap<AfterField, readonly number[]> | undefined): JobOptions {
  if (!hasNamedDependencies(args)) return options;
  const dependency = slurmDependency(after ?? new Map(), args.dependency);
  const { dependency: _raw, ...rest } = options;
  return definedOnly({ ...rest, dependency, kill_on_invalid_dependency: args.kill_on_invalid_dependency ?? true });
}

/** Wraps an argv list into a batch script; every word is single-quoted, so nothing is expanded. */
export function scriptOfCommand(argv: readonly string[]): string {
  return `#!/bin/bash\nexec ${argv.map(shellQuote).join(' ')}\n`;
}

export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
