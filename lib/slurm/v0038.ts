// The Slurm REST API v0.0.38 (Slurm 22.05 to 23.11) adapter: decodes its answers (its submit body
// is rendered in job-desc.ts). Pure; bodies from the server are checked with io-ts here, at the edge.

import * as t from 'io-ts';
import { exitCodeFromWaitStatus, type SlurmJob } from '../core/slurm-job.js';
import type { SlurmAdapter } from './adapter.js';
import { decodeBody, Int } from './body-codec.js';
import { errorsOfBody } from './body-messages.js';
import type { SlurmError } from './failure-classification.js';
import { renderSubmitV0038 } from './job-desc.js';
import { isSplitOffArrayTask, jobsBodyCodec, listedJobCodec, slurmJobOfListed, jobIdOfSubmitBody, readJobListWithoutTime } from './job-record.js';
import { jobStateOfString } from './job-state-parsing.js';

const VERSION = 'v0.0.38';

/** The fields of a v0.0.38 job the deployer reads; the other hundred are ignored. */
const JobV0038 = listedJobCodec(t.string, Int, Int);
type JobV0038 = t.TypeOf<typeof JobV0038>;
const JobsBodyV0038 = jobsBodyCodec(JobV0038);

/** Every job of a `GET /jobs` or `GET /job/{id}` body but an array's split-off tasks. One undecodable job fails the whole list. */
export function parseJobsV0038(body: unknown): SlurmJob[] {
  return decodeBody(JobsBodyV0038, body, VERSION, 'jobs body')
    .jobs.filter((job) => !isSplitOffArrayTask(job.job_id, job.array_job_id ?? undefined))
    .map(toSlurmJob);
}

/** The job id of a `POST /job/submit` body. */
export function parseSubmitV0038(body: unknown): number {
  return jobIdOfSubmitBody(body, VERSION);
}

/**
 * The `errors` of any v0.0.38 body. The number comes as `error_code` (parsing, submit),
 * `error_number` (load and kill calls) or `errno` (nodes while slurmctld is down).
 */
export function errorsOfV0038(body: unknown): SlurmError[] {
  return errorsOfBody(body);
}

function toSlurmJob(job: JobV0038): SlurmJob {
  return slurmJobOfListed(job, {
    state: jobStateOfString(job.job_state),
    // The raw wait status (`code << 8 | signal`); null only in fields Slurm never filled.
    exitCode: job.exit_code === null || job.exit_code === undefined ? undefined : exitCodeFromWaitStatus(job.exit_code),
    submit: job.submit_time,
    start: job.start_time,
    end: job.end_time,
  });
}

export const adapterV0038: SlurmAdapter = {
  version: VERSION,
  // As slurmrestd 22.05 lists them in /openapi/v3 (the static document writes `/jobs/`: same route).
  paths: { submit: '/job/submit', jobs: '/jobs', job: (jobId) => `/job/${jobId}` },
  conditionalList: true,
  renderSubmit: (spec) => renderSubmitV0038(spec),
  parseSubmit: parseSubmitV0038,
  // "No change" is a 304 with an empty body here, handled before any body is read; the warning
  // of later versions is read too, in case a 23.x build of this plugin answers that way.
  readJobList: (body) => readJobListWithoutTime(body, parseJobsV0038),
  parseJobs: parseJobsV0038,
  // Success is `{meta, errors: []}`; an unknown job is a 500 (404 from 23.02.4), not a 200.
  cancelErrors: errorsOfBody,
  // No `states` nor `bulkCancel`: GET /jobs/state and DELETE /jobs came with v0.0.40 (Slurm 23.11).
};
