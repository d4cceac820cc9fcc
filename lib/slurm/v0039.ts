// The Slurm REST API v0.0.39 (Slurm 23.02 to 24.05) adapter. The first data_parser version: the
// job description of later versions, but job states still one string and exit codes still the
// raw wait status, and no server time in job lists.

import * as t from 'io-ts';
import { exitCodeFromWaitStatus, type ExitCode, type SlurmJob } from '../core/slurm-job.js';
import type { SlurmAdapter } from './adapter.js';
import { decodeBody, Int, nullable } from './body-codec.js';
import { errorsOfBody } from './body-messages.js';
import { renderSubmitJobDesc } from './job-desc.js';
import { accountingJobCodec, isSplitOffArrayTask, jobsBodyCodec, listedJobCodec, slurmJobOfAccounting, slurmJobOfListed, jobIdOfSubmitBody, readJobListWithoutTime } from './job-record.js';
import { jobStateOfString } from './job-state-parsing.js';
import { NoValNumber, noValNumber } from './no-val-number.js';

const VERSION = 'v0.0.39';

// The raw wait status as `{set, infinite, number}` (since 23.02.4; unset while running).
const JobV0039 = listedJobCodec(t.string, NoValNumber, NoValNumber);
type JobV0039 = t.TypeOf<typeof JobV0039>;
const JobsBodyV0039 = jobsBodyCodec(JobV0039);

/** An accounting record (`v0.0.39_job`): state and times are grouped, the exit code is split. */
const AccountingJobV0039 = accountingJobCodec(
  t.string,
  t.partial({
    status: nullable(t.string),
    return_code: nullable(Int),
    signal: nullable(t.partial({ signal_id: nullable(Int), name: nullable(t.string) })),
  }),
);
type AccountingJobV0039 = t.TypeOf<typeof AccountingJobV0039>;
const AccountingBodyV0039 = jobsBodyCodec(AccountingJobV0039);

const parseJobs = (body: unknown): SlurmJob[] =>
  decodeBody(JobsBodyV0039, body, VERSION, 'jobs body')
    .jobs.filter((job) => !isSplitOffArrayTask(job.job_id, noValNumber(job.array_job_id)))
    .map(toSlurmJob);

function toSlurmJob(job: JobV0039): SlurmJob {
  const raw = noValNumber(job.exit_code);
  return slurmJobOfListed(job, {
    state: jobStateOfString(job.job_state),
    exitCode: raw === undefined ? undefined : exitCodeFromWaitStatus(raw),
    submit: noValNumber(job.submit_time),
    start: noValNumber(job.start_time),
    end: noValNumber(job.end_time),
  });
}

function toSlurmJobFromAccounting(job: AccountingJobV0039): SlurmJob {
  const state = job.state?.current ? jobStateOfString(job.state.current) : { flags: [] };
  return slurmJobOfAccounting(job, state, accountingExitCode(job.exit_code));
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
  renderSubmit: (spec) => renderSubmitJobDesc(spec, VERSION),
  parseSubmit: (body) => jobIdOfSubmitBody(body, VERSION),
  // "No change" is a 200 with the warning "No job changes since update_time=..." (and no jobs).
  readJobList: (body) => readJobListWithoutTime(body, parseJobs),
  parseJobs,
  cancelErrors: errorsOfBody,
  // No `states` nor `bulkCancel`: GET /jobs/state and DELETE /jobs came with v0.0.40 (Slurm 23.11).
  parseAccountingJobs: (body) => decodeBody(AccountingBodyV0039, body, VERSION, 'accounting jobs body').jobs.map(toSlurmJobFromAccounting),
};
