// The fake slurmrestd's answers about jobs one at a time and the job list: submit (a bad partition
// and an empty script refused, as slurmctld and slurmrestd do), `GET jobs` with update_time ("no
// change" as a 200 with a warning), `GET job/{id}` and `DELETE job/{id}` (Slurm 24.11+: 200 with
// the error inside for an unknown job). With `recorded`, bodies built from that release's recordings.

import { recordedCancelAnswer, recordedJobsAnswer, recordedSubmitAnswer } from './recorded-bodies.js';
import { cancelAnswer, errorAnswer, jobsAnswer, killStatus, noChangeAnswer, submitAnswer, type BodyError, type FakeJob } from './slurm-bodies.js';
import type { FakeReply, StatesFake } from './slurm-fake-states.js';

/** What the answers read of the fake, and what they change through it. */
export interface JobsFake extends StatesFake {
  /** slurmctld's clock, Unix seconds. */
  readonly clock: number;
  /** When a job last changed (`last_job_update`). */
  readonly lastJobUpdate: number;
  /** Adds the job a submit creates; gives its id. */
  submit(job: Pick<FakeJob, 'name' | 'mcsLabel' | 'comment'>): number;
}

export function answerSubmit(fake: JobsFake, text: string): FakeReply {
  const body = JSON.parse(text) as { job?: Record<string, unknown> };
  const job = body.job ?? {};
  if (job['partition'] === 'nowhere') {
    return { status: 500, body: errorAnswer(fake.version, 'submit', [{ code: 2000, error: 'Invalid partition name specified', source: 'slurm_submit_batch_job()' }]) };
  }
  if (typeof job['script'] !== 'string' || job['script'] === '') {
    return { status: 422, body: errorAnswer(fake.version, 'submit', [{ code: 9000, error: 'Populated "script" field is required', source: '_op_handler_submit_job' }]) };
  }
  const jobId = fake.submit({ name: String(job['name'] ?? ''), mcsLabel: String(job['mcs_label'] ?? ''), comment: String(job['comment'] ?? '') });
  return { status: 200, body: fake.recorded === undefined ? submitAnswer(fake.version, jobId) : recordedSubmitAnswer(fake.recorded, fake.version, jobId) };
}

export function answerList(fake: JobsFake, updateTime: string | null): FakeReply {
  // slurmctld's own test (_slurm_rpc_dump_jobs): no change when update_time - 1 >= last_job_update.
  if (updateTime !== null && Number(updateTime) - 1 >= fake.lastJobUpdate) return { status: 200, body: noChangeAnswer(fake.version, Number(updateTime)) };
  return { status: 200, body: jobsBody(fake, [...fake.jobs.values()]) };
}

export function answerGetJob(fake: JobsFake, id: number): FakeReply {
  const job = fake.jobs.get(id);
  if (job !== undefined) return { status: 200, body: jobsBody(fake, [job]) };
  return { status: 404, body: errorAnswer(fake.version, 'getJob', [unknownJob(id, '_handle_job_get')]) };
}

export function answerCancel(fake: JobsFake, id: number): FakeReply {
  const outcome = fake.kill(id);
  if (outcome === 'unknown') {
    if (killStatus(fake.version)) return { status: 200, body: cancelAnswer(fake.version, id, 'unknown') };
    return { status: 404, body: errorAnswer(fake.version, 'cancel', [unknownJob(id, 'slurm_kill_job()')]) };
  }
  const done = outcome === 'already-done';
  if (fake.recorded !== undefined) return { status: 200, body: recordedCancelAnswer(fake.recorded, fake.version, id, done) };
  return { status: 200, body: cancelAnswer(fake.version, id, done ? 'already-done' : 'signalled') };
}

function jobsBody(fake: JobsFake, jobs: readonly FakeJob[]): unknown {
  return fake.recorded === undefined ? jobsAnswer(fake.version, jobs, fake.clock) : recordedJobsAnswer(fake.recorded, fake.version, jobs, fake.clock);
}

function unknownJob(id: number, source: string): BodyError {
  return { code: 2017, error: 'Invalid job id specified', description: `Unable to query JobId=${id}`, source };
}
