// The job description of v0.0.39 and later (data_parser's `job_desc_msg`): the fields the deployer
// sets have the same names and shapes from v0.0.39 to v0.0.45, so one renderer serves them all.

import type { JobSpec } from '../core/slurm-job.js';
import { setNumber } from './body-decoding.js';

/**
 * Differences from v0.0.38: the script sits in the job (top-level `script` is deprecated from
 * v0.0.41), the environment is a list of `K=V` strings, time limit and memory are
 * `{set, infinite, number}` numbers, and the node count is `minimum_nodes`/`maximum_nodes`
 * (v0.0.38's `nodes: [min, max]` became a string such as "2-4", and its boolean `minimum_nodes`
 * became a count).
 */
export function renderJobDesc(spec: JobSpec): Record<string, unknown> {
  const job: Record<string, unknown> = {
    name: spec.name,
    script: spec.script,
    environment: Object.entries(spec.environment).map(([key, value]) => `${key}=${value}`),
    mcs_label: spec.mcsLabel,
    comment: spec.comment,
  };
  const optional: Record<string, unknown> = {
    partition: spec.partition,
    time_limit: spec.timeLimitMinutes === undefined ? undefined : setNumber(spec.timeLimitMinutes),
    minimum_nodes: spec.nodes,
    maximum_nodes: spec.nodes,
    tasks: spec.tasks,
    cpus_per_task: spec.cpusPerTask,
    memory_per_node: spec.memoryPerNodeMB === undefined ? undefined : setNumber(spec.memoryPerNodeMB),
    current_working_directory: spec.currentWorkingDirectory,
    account: spec.account,
    qos: spec.qos,
    standard_output: spec.standardOutput,
    standard_error: spec.standardError,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) job[key] = value;
  return job;
}
