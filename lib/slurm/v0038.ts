// The Slurm REST API v0.0.38 (Slurm 22.05 to 23.11) adapter: renders a JobSpec to its submit body
// and decodes its answers. Pure; bodies from the server are checked with io-ts here, at the edge.

import * as t from 'io-ts';
import { exitCodeFromWaitStatus, type JobSpec, type SlurmJob } from '../core/slurm-job.js';
import { SINGLE_STRING_FLAGS, type JobState } from '../core/status.js';
import type { JobListReading, SlurmAdapter } from './adapter.js';
import { decodeBody, dropUndefined, errorsOfBody, Int, nullable, saysNoJobChanges, unixTime } from './body-decoding.js';
import type { SlurmError } from './failure-classification.js';

const VERSION = 'v0.0.38';

/**
 * The submit body. Only keys of the schema `v0.0.38_job_properties` may appear: slurmrestd
 * answers 400 to any other. The script sits at the top level (`job_properties` has none);
 * `environment` is an object in v0.0.38 (a K=V list from v0.0.39).
 */
export function renderSubmitV0038(spec: JobSpec): object {
  const job: Record<string, unknown> = {
    name: spec.name,
    environment: { ...spec.environment },
    mcs_label: spec.mcsLabel,
    comment: spec.comment,
  };
  const optional: Record<string, unknown> = {
    partition: spec.partition,
    time_limit: spec.timeLimitMinutes,
    // The document says `[min, max]`, but slurmrestd 22.05.8 ignores that array (a job asking
    // for 1000 nodes ran on 1: max_nodes reads back 0); it honours the string "n" (its
    // `minimum_nodes` is a boolean). A deployment asks for exactly n nodes.
    nodes: spec.nodes === undefined ? undefined : String(spec.nodes),
    tasks: spec.tasks,
    cpus_per_task: spec.cpusPerTask,
    memory_per_node: spec.memoryPerNodeMB,
    current_working_directory: spec.currentWorkingDirectory,
    account: spec.account,
    qos: spec.qos,
    standard_output: spec.standardOutput,
    standard_error: spec.standardError,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) job[key] = value;
  return { script: spec.script, job };
}

/** The fields of a v0.0.38 job the deployer reads; the other hundred are ignored. */
const JobV0038 = t.intersection(
  [
    t.type({ job_id: Int, job_state: t.string }),
    t.partial({
      name: nullable(t.string),
      mcs_label: nullable(t.string),
      comment: nullable(t.string),
      state_reason: nullable(t.string),
      exit_code: nullable(Int),
      submit_time: nullable(Int),
      start_time: nullable(Int),
      end_time: nullable(Int),
    }),
  ],
  'a job object',
);
type JobV0038 = t.TypeOf<typeof JobV0038>;

const JobsBodyV0038 = t.type({ jobs: t.array(JobV0038, 'a list of jobs') }, 'an object with a jobs list');
const SubmitBodyV0038 = t.type({ job_id: Int }, 'an object with a job_id');

/** Every job of a `GET /jobs` or `GET /job/{id}` body. One undecodable job fails the whole list. */
export function parseJobsV0038(body: unknown): SlurmJob[] {
  return decodeBody(JobsBodyV0038, body, VERSION, 'jobs body').jobs.map(toSlurmJob);
}

/** The job id of a `POST /job/submit` body. */
export function parseSubmitV0038(body: unknown): number {
  return decodeBody(SubmitBodyV0038, body, VERSION, 'submit body').job_id;
}

/**
 * The `errors` of any v0.0.38 body. The number comes as `error_code` (parsing, submit),
 * `error_number` (load and kill calls) or `errno` (nodes while slurmctld is down).
 */
export function errorsOfV0038(body: unknown): SlurmError[] {
  return errorsOfBody(body);
}

function toSlurmJob(job: JobV0038): SlurmJob {
  return dropUndefined({
    jobId: job.job_id,
    name: job.name ?? '',
    mcsLabel: job.mcs_label ?? '',
    comment: job.comment ?? '',
    state: jobStateOfString(job.job_state),
    reason: job.state_reason ?? '',
    // The raw wait status (`code << 8 | signal`); null only in fields Slurm never filled.
    exitCode: job.exit_code === null || job.exit_code === undefined ? undefined : exitCodeFromWaitStatus(job.exit_code),
    submitTime: unixTime(job.submit_time),
    startTime: unixTime(job.start_time),
    endTime: unixTime(job.end_time),
  });
}

/** v0.0.38 and v0.0.39 print one string, in which a flag such as COMPLETING wins over the base state. */
export function jobStateOfString(state: string): JobState {
  return SINGLE_STRING_FLAGS.has(state) ? { flags: [state] } : { base: state, flags: [] };
}

export const adapterV0038: SlurmAdapter = {
  version: VERSION,
  // As slurmrestd 22.05 lists them in /openapi/v3 (the static document writes `/jobs/`: same route).
  paths: { submit: '/job/submit', jobs: '/jobs', job: (jobId) => `/job/${jobId}` },
  conditionalList: true,
  renderSubmit: renderSubmitV0038,
  parseSubmit: parseSubmitV0038,
  // "No change" is a 304 with an empty body here, handled before any body is read; the warning
  // of later versions is read too, in case a 23.x build of this plugin answers that way.
  readJobList: (body): JobListReading => (saysNoJobChanges(body) ? { kind: 'unchanged' } : { kind: 'full', jobs: parseJobsV0038(body) }),
  parseJobs: parseJobsV0038,
  // Success is `{meta, errors: []}`; an unknown job is a 500 (404 from 23.02.4), not a 200.
  cancelErrors: errorsOfBody,
};
