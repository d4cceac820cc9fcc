// Renders a JobSpec as the job of a submit body: v0.0.38's `job_properties` and the `job_desc_msg`
// of v0.0.39 and later, whose fields the deployer sets have the same names and shapes to v0.0.45.

import type { JobSpec } from '../core/slurm-job.js';
import type { SlurmApiVersion } from './api-versions.js';
import { optionFieldsJobDesc, optionFieldsV0038, systemClock } from './job-desc-options.js';
import { setNumber } from './no-val-number.js';

/** Where the versions differ in writing the same job. */
interface JobShape {
  readonly scriptInJob: boolean;
  environment(environment: Readonly<Record<string, string>>): unknown;
  /** A count Slurm keeps as a `*_NO_VAL` number (time limit, memory). */
  limit(n: number): unknown;
  nodes(n: number): Record<string, unknown>;
}

const V0038_SHAPE: JobShape = {
  // `job_properties` has no script; v0.0.38 takes it at the top level of the body.
  scriptInJob: false,
  environment: (environment) => ({ ...environment }),
  limit: (n) => n,
  // The document says `[min, max]`, but slurmrestd 22.05.8 ignores that array (a job asking
  // for 1000 nodes ran on 1: max_nodes reads back 0); it honours the string "n" (its
  // `minimum_nodes` is a boolean). A deployment asks for exactly n nodes.
  nodes: (n) => ({ nodes: String(n) }),
};

/**
 * Differences from v0.0.38: the script sits in the job (top-level `script` is deprecated from
 * v0.0.41), the environment is a list of `K=V` strings, time limit and memory are
 * `{set, infinite, number}` numbers, and the node count is `minimum_nodes`/`maximum_nodes`
 * (v0.0.38's `nodes: [min, max]` became a string such as "2-4", and its boolean `minimum_nodes`
 * became a count).
 */
const JOB_DESC_SHAPE: JobShape = {
  scriptInJob: true,
  environment: (environment) => Object.entries(environment).map(([key, value]) => `${key}=${value}`),
  limit: setNumber,
  nodes: (n) => ({ minimum_nodes: n, maximum_nodes: n }),
};

function renderJob(spec: JobSpec, shape: JobShape, options: Record<string, unknown>): Record<string, unknown> {
  const job: Record<string, unknown> = {
    name: spec.name,
    ...(shape.scriptInJob ? { script: spec.script } : {}),
    environment: shape.environment(spec.environment),
    mcs_label: spec.mcsLabel,
    comment: spec.comment,
  };
  const optional: Record<string, unknown> = {
    partition: spec.partition,
    time_limit: spec.timeLimitMinutes === undefined ? undefined : shape.limit(spec.timeLimitMinutes),
    ...(spec.nodes === undefined ? {} : shape.nodes(spec.nodes)),
    tasks: spec.tasks,
    cpus_per_task: spec.cpusPerTask,
    memory_per_node: spec.memoryPerNodeMB === undefined ? undefined : shape.limit(spec.memoryPerNodeMB),
    current_working_directory: spec.currentWorkingDirectory,
    account: spec.account,
    qos: spec.qos,
    standard_output: spec.standardOutput,
    standard_error: spec.standardError,
    ...options,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) job[key] = value;
  return job;
}

/**
 * The v0.0.38 submit body. Only keys of the schema `v0.0.38_job_properties` may appear: slurmrestd
 * answers 400 to any other. `environment` is an object in v0.0.38 (a K=V list from v0.0.39).
 */
export function renderSubmitV0038(spec: JobSpec, now: number = systemClock()): object {
  const options = spec.options === undefined ? {} : optionFieldsV0038(spec.options, now);
  return { script: spec.script, job: renderJob(spec, V0038_SHAPE, options) };
}

/**
 * The v0.0.39 to v0.0.45 submit body, `{job: {...}}`: the script in the job, none at the top.
 * `now` (Unix seconds) resolves begin and deadline times given relative to the submit.
 */
export function renderSubmitJobDesc(spec: JobSpec, version: SlurmApiVersion, now: number = systemClock()): object {
  const options = spec.options === undefined ? {} : optionFieldsJobDesc(spec.options, version, now);
  return { job: renderJob(spec, JOB_DESC_SHAPE, options) };
}
