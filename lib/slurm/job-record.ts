// The job fields every version lists alike (id, name, label, comment, reason, times), as io-ts
// codecs and as the SlurmJob built from them; each version adds how it writes state and exit code.

import * as t from 'io-ts';
import type { ExitCode, SlurmJob } from '../core/slurm-job.js';
import type { JobState } from '../core/status.js';
import type { JobListReading } from './adapter.js';
import { definedOnly } from '../core/defined-only.js';
import { decodeBody, Int, nullable } from './body-codec.js';
import { saysNoJobChanges } from './body-messages.js';
import { unixTime } from './no-val-number.js';

/**
 * A job of `GET /jobs` (`job_info`): `job_state` as `state`, and `exit_code`, the three times and
 * `array_job_id` in `time` (plain integers in v0.0.38, `{set, infinite, number}` from v0.0.39).
 */
export function listedJobCodec<S, E, T>(state: t.Type<S>, exitCode: t.Type<E>, time: t.Type<T>) {
  return t.intersection(
    [
      t.type({ job_id: Int, job_state: state }),
      t.partial({
        name: nullable(t.string),
        mcs_label: nullable(t.string),
        comment: nullable(t.string),
        state_reason: nullable(t.string),
        exit_code: nullable(exitCode),
        submit_time: nullable(time),
        start_time: nullable(time),
        end_time: nullable(time),
        array_job_id: nullable(time),
      }),
    ],
    'a job object',
  );
}

/** An accounting record (`vX_job` of slurmdbd): state and times grouped, times plain integers. */
export function accountingJobCodec<S, E>(currentState: t.Type<S>, exitCode: t.Type<E>) {
  return t.intersection(
    [
      t.type({ job_id: Int }),
      t.partial({
        name: nullable(t.string),
        mcs: nullable(t.partial({ label: nullable(t.string) })),
        comment: nullable(t.partial({ job: nullable(t.string) })),
        state: nullable(t.partial({ current: nullable(currentState), reason: nullable(t.string) })),
        exit_code: nullable(exitCode),
        time: nullable(t.partial({ submission: nullable(Int), start: nullable(Int), end: nullable(Int) })),
      }),
    ],
    'an accounting job',
  );
}

/** `{jobs: [...]}`, the body of every job list. */
export function jobsBodyCodec<J extends t.Mixed>(job: J) {
  return t.type({ jobs: t.array(job, 'a list of jobs') }, 'an object with a jobs list');
}

const SubmitBody = t.type({ job_id: Int }, 'an object with a job_id');

/** The job id of a `POST /job/submit` body, the same in every version. */
export function jobIdOfSubmitBody(body: unknown, version: string): number {
  return decodeBody(SubmitBody, body, version, 'submit body').job_id;
}

/**
 * A 200 answer to `GET jobs` of a version without a server time in it: "No job changes since
 * update_time=..." in a warning (v0.0.39 on) says the list is unchanged, else it is full.
 */
export function readJobListWithoutTime(body: unknown, parseJobs: (body: unknown) => SlurmJob[]): JobListReading {
  return saysNoJobChanges(body) ? { kind: 'unchanged' } : { kind: 'full', jobs: parseJobs(body) };
}

/**
 * Whether a listed record is an array task split off from its array. Slurm keeps the submitted job
 * id for an array's record while its tasks pend; each task that starts before the last gets a job
 * id of its own (`array_job_id` keeps the array's), and the last one to start takes the record
 * itself. The deployer follows the submitted id only: a split-off task is not a job of its own to
 * it (it carries the deployment's identity too, and would read as a duplicate to cancel).
 * `arrayJobId` 0 or unset: not an array.
 */
export function isSplitOffArrayTask(jobId: number, arrayJobId: number | undefined): boolean {
  return arrayJobId !== undefined && arrayJobId !== 0 && arrayJobId !== jobId;
}

type Text = string | null | undefined;
type Time = number | null | undefined;

interface ListedJob {
  readonly job_id: number;
  readonly name?: Text;
  readonly mcs_label?: Text;
  readonly comment?: Text;
  readonly state_reason?: Text;
}

/** A listed job as a SlurmJob, given how its version's state, exit code and times read. */
export function slurmJobOfListed(
  job: ListedJob,
  read: { state: JobState; exitCode: ExitCode | undefined; submit: Time; start: Time; end: Time },
): SlurmJob {
  return definedOnly({
    jobId: job.job_id,
    name: job.name ?? '',
    mcsLabel: job.mcs_label ?? '',
    comment: job.comment ?? '',
    state: read.state,
    reason: job.state_reason ?? '',
    exitCode: read.exitCode,
    submitTime: unixTime(read.submit),
    startTime: unixTime(read.start),
    endTime: unixTime(read.end),
  });
}

interface AccountingJob {
  readonly job_id: number;
  readonly name?: Text;
  readonly mcs?: { readonly label?: Text } | null;
  readonly comment?: { readonly job?: Text } | null;
  readonly state?: { readonly reason?: Text } | null;
  readonly time?: { readonly submission?: Time; readonly start?: Time; readonly end?: Time } | null;
}

/**
 * An accounting record as a SlurmJob, given how its version's state and exit code read. Its label
 * is `mcs.label` (slurmdbd's mcs_label column, as slurmctld sent it at the job's start); its
 * comment `comment.job`, which slurmdbd keeps only with AccountingStoreFlags=job_comment (else
 * empty: the identity cannot be checked from it).
 */
export function slurmJobOfAccounting(job: AccountingJob, state: JobState, exitCode: ExitCode | undefined): SlurmJob {
  return definedOnly({
    jobId: job.job_id,
    name: job.name ?? '',
    mcsLabel: job.mcs?.label ?? '',
    comment: job.comment?.job ?? '',
    state,
    reason: job.state?.reason ?? '',
    exitCode,
    submitTime: unixTime(job.time?.submission),
    startTime: unixTime(job.time?.start),
    endTime: unixTime(job.time?.end),
    source: 'accounting' as const,
  });
}
