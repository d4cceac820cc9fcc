// The fake slurmrestd's `GET /jobs/state` and bulk `DELETE /jobs` (v0.0.40+), as real 24.11 and
// 26.05 answer them: ids repeated as `job_id=1&job_id=2` (the comma form refused), unknown ids
// absent from states, one `status[]` entry per job not signalled. With `recorded`, the bodies
// are built from that release's recordings (spec/fixtures/recorded, 15- to 19-).

import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import { recordedBulkCancelAnswer, recordedStatesAnswer } from './recorded-bodies.js';
import { recordedExchange, type RecordedRelease } from './recordings.js';
import { bulkCancelAnswer, statesAnswer, type CancelOutcome, type FakeJob, type NewerVersion } from './slurm-bodies.js';

/** An answer of the fake: a status and a JSON body (or the text of a text/plain one). */
export type FakeReply = { readonly status: number; readonly body: unknown };

export interface StatesFake {
  readonly version: NewerVersion;
  readonly jobs: ReadonlyMap<number, FakeJob>;
  readonly recorded?: RecordedRelease;
  /** Signals one job as slurmctld would (SIGKILL, whole job). */
  kill(jobId: number): CancelOutcome;
}

export function answerStates(fake: StatesFake, url: URL): FakeReply {
  const asked = url.searchParams.getAll('job_id');
  if (asked.some((id) => id.includes(','))) {
    if (fake.recorded !== undefined) return replay(fake.recorded, fake.version, '16-jobs-state-comma-refused');
    return { status: 500, body: 'Unspecified error' }; // as 26.05 answers (24.11: 400 "Unable to parse query.")
  }
  const ids = new Set(asked.map(Number));
  const jobs = [...fake.jobs.values()].filter((j) => ids.size === 0 || ids.has(j.jobId));
  const body = fake.recorded === undefined ? statesAnswer(fake.version, jobs) : recordedStatesAnswer(fake.recorded, fake.version, jobs);
  return { status: 200, body };
}

export function answerBulkCancel(fake: StatesFake, text: string): FakeReply {
  const body = JSON.parse(text) as { jobs?: unknown };
  // Without ids, a real kill_jobs_msg filters nothing: every job of the user. Never wanted here.
  if (!Array.isArray(body.jobs) || body.jobs.length === 0) return { status: 400, body: 'the fake refuses a bulk kill without job ids' };
  const outcomes = body.jobs.map((id) => ({ jobId: Number(id), outcome: fake.kill(Number(id)) }));
  const answer = fake.recorded === undefined ? bulkCancelAnswer(fake.version, outcomes) : recordedBulkCancelAnswer(fake.recorded, fake.version, outcomes);
  return { status: 200, body: answer };
}

function replay(release: RecordedRelease, version: SlurmApiVersion, name: string): FakeReply {
  const e = recordedExchange(release, version, name);
  return { status: e.status, body: e.body };
}
