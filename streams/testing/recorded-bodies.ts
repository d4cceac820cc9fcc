// Answers built from what a real slurmrestd recorded (spec/fixtures/recorded): the recorded body
// is the template, and only what identifies a job of the fake (id, name, label, comment, state,
// reason, exit code, times) is put in, so every other key is as the real server wrote it; and the
// cases answered with a recording as it is (recordedReply).

import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import { recordedExchange, type RecordedRelease } from './recordings.js';
import type { AnsweredOperation, CancelOutcome, FakeJob, NewerVersion } from './slurm-bodies.js';

type Body = Record<string, unknown>;

const template = (release: RecordedRelease, version: SlurmApiVersion, name: string): Body => structuredClone(recordedExchange(release, version, name).body) as Body;
const number = (n: number | undefined) => (n === undefined ? { set: false, infinite: false, number: 0 } : { set: true, infinite: false, number: n });

function exitCode(release: RecordedRelease, version: SlurmApiVersion, job: FakeJob): unknown {
  if (job.exit === undefined) return (template(release, version, '02-job-just-submitted')['jobs'] as Body[])[0]?.['exit_code'];
  const { status, signal } = job.exit;
  return {
    status: [signal > 0 ? 'SIGNALED' : status !== 0 ? 'ERROR' : 'SUCCESS'],
    return_code: number(status),
    signal: { id: signal > 0 ? number(signal) : number(undefined), name: signal === 9 ? 'KILL' : signal === 15 ? 'TERM' : '' },
  };
}

function jobBody(release: RecordedRelease, version: SlurmApiVersion, job: FakeJob): Body {
  const recorded = (template(release, version, '03-job-completed')['jobs'] as Body[])[0] ?? {};
  return {
    ...recorded,
    job_id: job.jobId,
    name: job.name,
    mcs_label: job.mcsLabel,
    comment: job.comment,
    job_state: [...job.state],
    state_reason: job.reason,
    exit_code: exitCode(release, version, job),
    submit_time: number(job.submitTime),
    start_time: number(job.startTime ?? 0),
    end_time: number(job.endTime ?? 0),
    ...(job.partition === undefined ? {} : { partition: job.partition }),
  };
}

export function recordedJobsAnswer(release: RecordedRelease, version: SlurmApiVersion, jobs: readonly FakeJob[], lastUpdate: number): Body {
  const body = template(release, version, '06-jobs');
  return { ...body, jobs: jobs.map((j) => jobBody(release, version, j)), last_update: number(lastUpdate), last_backfill: number(lastUpdate - 5) };
}

export function recordedSubmitAnswer(release: RecordedRelease, version: SlurmApiVersion, jobId: number): Body {
  const body = template(release, version, '01-submit');
  const result = body['result'] as Body | undefined;
  return { ...body, job_id: jobId, ...(result === undefined ? {} : { result: { ...result, job_id: jobId } }) };
}

/** DELETE of a job the fake knows: running (signalled) or already ended. */
export function recordedCancelAnswer(release: RecordedRelease, version: SlurmApiVersion, jobId: number, ended: boolean): Body {
  const body = template(release, version, ended ? '10-job-delete-ended' : '08-job-delete-running');
  const status = body['status'];
  if (!Array.isArray(status)) return body;
  return { ...body, status: status.map((s: Body) => ({ ...s, job_id: number(jobId) })) };
}

/** `GET /jobs/state`: the recorded answer with these jobs' ids and states. */
export function recordedStatesAnswer(release: RecordedRelease, version: SlurmApiVersion, jobs: readonly FakeJob[]): Body {
  const body = template(release, version, '15-jobs-state-by-ids');
  const entry = (body['jobs'] as Body[])[0] ?? {};
  return { ...body, jobs: jobs.map((j) => ({ ...entry, job_id: String(j.jobId), state: [...j.state] })) };
}

/** The bulk `DELETE /jobs`: the recorded entries of an unknown and of an ended job, for these jobs. */
export function recordedBulkCancelAnswer(release: RecordedRelease, version: SlurmApiVersion, outcomes: readonly { jobId: number; outcome: CancelOutcome }[]): Body {
  const unknown = (template(release, version, '18-jobs-delete-bulk')['status'] as Body[])[0];
  const ended = template(release, version, '19-jobs-delete-bulk-ended');
  const done = (ended['status'] as Body[])[0];
  if (unknown === undefined || done === undefined) throw new Error(`the bulk kill recordings of Slurm ${release} ${version} lack their status entries`);
  const status = outcomes.flatMap(({ jobId, outcome }) => {
    if (outcome === 'unknown') return [{ ...unknown, step_id: String(jobId) }];
    if (outcome === 'already-done') return [{ ...done, step_id: String(jobId), job_id: number(jobId) }];
    return [];
  });
  return { ...ended, status };
}

/** What recordedReply needs to know of a request and of the fake slurmctld. */
export interface RecordedCase {
  /** slurmctld refuses the request's token (FakeSlurmrestdOptions.rejectedToken). */
  readonly rejected: boolean;
  readonly body: string;
  /** The `update_time` of a job list, if it has one. */
  readonly updateTime: string | null;
  /** slurmctld knows the job of a `/job/{id}` path. */
  readonly knowsJob: boolean;
  readonly lastJobUpdate: number;
}

/** The recorded answer of the real release, as it is, when the request is one of the recorded cases. */
export function recordedReply(release: RecordedRelease, version: NewerVersion, operation: AnsweredOperation, request: RecordedCase): { readonly status: number; readonly body: unknown } | undefined {
  const replay = (name: string) => {
    const e = recordedExchange(release, version, name);
    return { status: e.status, body: e.body };
  };
  if (request.rejected) return replay('14-jobs-bad-token');
  switch (operation) {
    case 'submit':
      return (JSON.parse(request.body) as { job?: { partition?: unknown } }).job?.partition === 'nowhere' ? replay('13-submit-bad-partition') : undefined;
    case 'listJobs': {
      if (request.updateTime === null) return undefined;
      if (version === 'v0.0.40' || version === 'v0.0.41') return replay('07-jobs-update_time-unchanged'); // the 422
      return Number(request.updateTime) - 1 >= request.lastJobUpdate ? replay('07-jobs-update_time-unchanged') : undefined;
    }
    case 'getJob':
      return request.knowsJob ? undefined : replay('12-job-get-unknown');
    case 'cancel':
      return request.knowsJob ? undefined : replay('11-job-delete-unknown');
    default:
      return undefined;
  }
}
