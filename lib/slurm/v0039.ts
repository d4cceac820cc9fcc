// The Slurm REST API v0.0.39 (Slurm 23.02 to 24.05) adapter. The first data_parser version: the
// job description of later versions, but job states still one string and exit codes still the
// raw wait status, and no server time in job lists.

import * as t from 'io-ts';
import { exitCodeFromWaitStatus, type ExitCode, type JobSpec, type SlurmJob } from '../core/slurm-job.js';
import type { JobListReading, SlurmAdapter } from './adapter.js';
import {
  decodeBody,
  dropUndefined,
  errorsOfBody,
  Int,
  NoValNumber,
  noValNumber,
  nullable,
  saysNoJobChanges,
  unixTime,
} from './body-decoding.js';
import { renderJobDesc } from './job-desc.js';
import { jobStateOfString } from './v0038.js';

const VERSION = 'v0.0.39';

/** `{job: {...}}`: the script in the job, no top-level `script` (optional in v0.0.39). */
export function renderSubmitV0039(spec: JobSpec): object {
  return { job: renderJobDesc(spec) };
}

const JobV0039 = t.intersection(
  [
    t.type({ job_id: Int, job_state: t.string }),
    t.partial({
      name: nullable(t.string),
      mcs_label: nullable(t.string),
      comment: nullable(t.string),
      state_reason: nullable(t.string),
      // The raw wait status as `{set, infinite, number}` (since 23.02.4; unset while running).
      exit_code: nullable(NoValNumber),
      submit_time: nullable(NoValNumber),
      start_time: nullable(NoValNumber),
      end_time: nullable(NoValNumber),
    }),
  ],
  'a job object',
);
type JobV0039 = t.TypeOf<typeof JobV0039>;

const JobsBodyV0039 = t.type({ jobs: t.array(JobV0039, 'a list of jobs') }, 'an object with a jobs list');
const SubmitBodyV0039 = t.type({ job_id: Int }, 'an object with a job_id');

/** An accounting record (`v0.0.39_job`): state and times are grouped, the exit code is split. */
const AccountingJobV0039 = t.intersection(
  [
    t.type({ job_id: Int }),
    t.partial({
      name: nullable(t.string),
      mcs: nullable(t.partial({ label: nullable(t.string) })),
      comment: nullable(t.partial({ job: nullable(t.string) })),
      state: nullable(t.partial({ current: nullable(t.string), reason: nullable(t.string) })),
      exit_code: nullable(
        t.partial({
          status: nullable(t.string),
          return_code: nullable(Int),
          signal: nullable(t.partial({ signal_id: nullable(Int), name: nullable(t.string) })),
        }),
      ),
      time: nullable(t.partial({ submission: nullable(Int), start: nullable(Int), end: nullable(Int) })),
    }),
  ],
  'an accounting job',
);
type AccountingJobV0039 = t.TypeOf<typeof AccountingJobV0039>;
const AccountingBodyV0039 = t.type({ jobs: t.array(AccountingJobV0039, 'a list of jobs') }, 'an object with a jobs list');

export function parseJobsV0039(body: unknown): SlurmJob[] {
  return decodeBody(JobsBodyV0039, body, VERSION, 'jobs body').jobs.map(toSlurmJob);
}

export function parseSubmitV0039(body: unknown): number {
  return decodeBody(SubmitBodyV0039, body, VERSION, 'submit body').job_id;
}

/** "No change" is a 200 with the warning "No job changes since update_time=..." (and no jobs). */
export function readJobListV0039(body: unknown): JobListReading {
  return saysNoJobChanges(body) ? { kind: 'unchanged' } : { kind: 'full', jobs: parseJobsV0039(body) };
}

export function parseAccountingJobsV0039(body: unknown): SlurmJob[] {
  return decodeBody(AccountingBodyV0039, body, VERSION, 'accounting jobs body').jobs.map(toSlurmJobFromAccounting);
}

function toSlurmJob(job: JobV0039): SlurmJob {
  const raw = noValNumber(job.exit_code);
  return dropUndefined({
    jobId: job.job_id,
    name: job.name ?? '',
    mcsLabel: job.mcs_label ?? '',
    comment: job.comment ?? '',
    state: jobStateOfString(job.job_state),
    reason: job.state_reason ?? '',
    exitCode: raw === undefined ? undefined : exitCodeFromWaitStatus(raw),
    submitTime: unixTime(noValNumber(job.submit_time)),
    startTime: unixTime(noValNumber(job.start_time)),
    endTime: unixTime(noValNumber(job.end_time)),
  });
}

function toSlurmJobFromAccounting(job: AccountingJobV0039): SlurmJob {
  return dropUndefined({
    jobId: job.job_id,
    name: job.name ?? '',
    mcsLabel: job.mcs?.label ?? '',
    comment: job.comment?.job ?? '',
    state: job.state?.current ? jobStateOfString(job.state.current) : { flags: [] },
    reason: job.state?.reason ?? '',
    exitCode: accountingExitCode(job.exit_code),
    submitTime: unixTime(job.time?.submission),
    startTime: unixTime(job.time?.start),
    endTime: unixTime(job.time?.end),
  });
}

function accountingExitCode(value: AccountingJobV0039['exit_code']): ExitCode | undefined {
  if (value === null || value === undefined) return undefined;
  const status = value.status ?? '';
  if (status === '' || status === 'PENDING' || status === 'INVALID') return undefined;
  return { status: value.return_code ?? 0, signal: value.signal?.signal_id ?? 0 };
}

export const adapterV0039: SlurmAdapter = {
  version: VERSION,
  paths: { submit: '/job/submit', jobs: '/jobs', job: (jobId) => `/job/${jobId}` },
  conditionalList: true,
  renderSubmit: renderSubmitV0039,
  parseSubmit: parseSubmitV0039,
  readJobList: readJobListV0039,
  parseJobs: parseJobsV0039,
  cancelErrors: errorsOfBody,
  parseAccountingJobs: parseAccountingJobsV0039,
};
