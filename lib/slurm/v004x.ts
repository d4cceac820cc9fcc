// The Slurm REST API v0.0.40 to v0.0.45 adapters (Slurm 23.11 to 26.05). From v0.0.40 every
// version is served by the same slurmrestd handlers; only data_parser's shapes are versioned,
// and for the fields the deployer uses they differ in one place only, the cancel answer:
//
//   version   cancel (DELETE job) answer                      submit answer
//   v0.0.40   openapi_resp {meta, errors, warnings}           job_id + deprecated `result`
//   v0.0.41   openapi_resp                                    job_id + deprecated `result`
//   v0.0.42   openapi_kill_job_resp {status[], ...}           job_id (`result` removed)
//   v0.0.43   openapi_kill_job_resp                           job_id
//   v0.0.44   openapi_kill_job_resp                           job_id
//   v0.0.45   openapi_kill_job_resp                           job_id (26.05: job_desc and job_info
//             gain container_type and memory_update_*, lose power_*: none of them read or written)
//
// (Slurm 24.11+ answers a cancel of an unknown job with 200 and the error in `status[]`; through
// v0.0.40/41 that error is invisible, so prefer v0.0.42+ on those releases: negotiation does.)
// All of them serve `GET /jobs/state` and the bulk `DELETE /jobs`, whose answer carries
// `status[]` in every one of them (measured on 24.11's v0.0.40-42 and 26.05's v0.0.42-45).

import * as t from 'io-ts';
import type { SlurmJob } from '../core/slurm-job.js';
import type { JobListReading, SlurmAdapter } from './adapter.js';
import type { SlurmApiVersion } from './api-versions.js';
import { decodeBody, nullable } from './body-codec.js';
import { errorsOfBody, saysNoJobChanges } from './body-messages.js';
import { exitCodeOfVerbose, VerboseExitCode } from './exit-code-parsing.js';
import type { SlurmError } from './failure-classification.js';
import { renderSubmitJobDesc } from './job-desc.js';
import { accountingJobCodec, isSplitOffArrayTask, jobsBodyCodec, listedJobCodec, slurmJobOfAccounting, slurmJobOfListed, jobIdOfSubmitBody } from './job-record.js';
import { jobStateOfList } from './job-state-parsing.js';
import { readStatesBody } from './job-states-body.js';
import { bulkKillFailures, killFailures, renderKillJobs } from './kill-jobs-body.js';
import { NoValNumber, noValNumber, unixTime } from './no-val-number.js';

export type DataParserVersion = Extract<SlurmApiVersion, 'v0.0.40' | 'v0.0.41' | 'v0.0.42' | 'v0.0.43' | 'v0.0.44' | 'v0.0.45'>;

const JobV004x = listedJobCodec(t.array(t.string, 'a list of states'), VerboseExitCode, NoValNumber);
type JobV004x = t.TypeOf<typeof JobV004x>;

const JobsBodyV004x = t.intersection(
  [jobsBodyCodec(JobV004x), t.partial({ last_update: nullable(NoValNumber) })],
  'an object with a jobs list',
);

/** An accounting record (`vX_job` of slurmdbd): state and times grouped, times plain integers. */
const AccountingJobV004x = accountingJobCodec(t.array(t.string), VerboseExitCode);
type AccountingJobV004x = t.TypeOf<typeof AccountingJobV004x>;
const AccountingBodyV004x = jobsBodyCodec(AccountingJobV004x);

export function adapterV004x(version: DataParserVersion): SlurmAdapter {
  const killStatus = version !== 'v0.0.40' && version !== 'v0.0.41';

  const parseJobs = (body: unknown): SlurmJob[] => jobsOf(decodeBody(JobsBodyV004x, body, version, 'jobs body').jobs);

  return {
    version,
    paths: { submit: '/job/submit', jobs: '/jobs/', job: (jobId) => `/job/${jobId}` },
    // Slurm 24.11's v0.0.40/41 parse update_time as a Slurm time string and refuse epochs (422).
    conditionalList: killStatus,
    renderSubmit: (spec) => renderSubmitJobDesc(spec, version),
    parseSubmit: (body) => jobIdOfSubmitBody(body, version),

    readJobList(body: unknown): JobListReading {
      if (saysNoJobChanges(body)) return { kind: 'unchanged' };
      const decoded = decodeBody(JobsBodyV004x, body, version, 'jobs body');
      // A full list carries slurmctld's time of it (`last_update = job_info->last_update`); the
      // "no change" answer leaves it unset, so an empty list without it is not vouched for:
      // the client then asks again without update_time rather than believe it.
      const lastUpdate = unixTime(noValNumber(decoded.last_update));
      const jobs = jobsOf(decoded.jobs);
      return lastUpdate === undefined ? { kind: 'full', jobs } : { kind: 'full', jobs, lastUpdate };
    },

    parseJobs,

    cancelErrors(body: unknown): SlurmError[] {
      const errors = errorsOfBody(body);
      return killStatus ? [...errors, ...killFailures(body).map((f) => f.error)] : errors;
    },

    states: { path: '/jobs/state/', read: (body) => readStatesBody(body, version) },

    // Every v0.0.4x answers with `status[]` here, v0.0.40/41 too (unlike their DELETE job/{id}).
    bulkCancel: { path: '/jobs/', render: renderKillJobs, failures: bulkKillFailures },

    parseAccountingJobs: (body) => decodeBody(AccountingBodyV004x, body, version, 'accounting jobs body').jobs.map(toSlurmJobFromAccounting),
  };
}

/** The jobs of a list but an array's split-off tasks. */
function jobsOf(listed: readonly JobV004x[]): SlurmJob[] {
  return listed.filter((job) => !isSplitOffArrayTask(job.job_id, noValNumber(job.array_job_id))).map(toSlurmJob);
}

function toSlurmJob(job: JobV004x): SlurmJob {
  return slurmJobOfListed(job, {
    state: jobStateOfList(job.job_state),
    exitCode: exitCodeOfVerbose(job.exit_code),
    submit: noValNumber(job.submit_time),
    start: noValNumber(job.start_time),
    end: noValNumber(job.end_time),
  });
}

function toSlurmJobFromAccounting(job: AccountingJobV004x): SlurmJob {
  return slurmJobOfAccounting(job, jobStateOfList(job.state?.current ?? []), exitCodeOfVerbose(job.exit_code));
}

export const adapterV0040 = adapterV004x('v0.0.40');
export const adapterV0041 = adapterV004x('v0.0.41');
export const adapterV0042 = adapterV004x('v0.0.42');
export const adapterV0043 = adapterV004x('v0.0.43');
export const adapterV0044 = adapterV004x('v0.0.44');
export const adapterV0045 = adapterV004x('v0.0.45');
