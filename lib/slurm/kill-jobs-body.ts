// The kill answers' `status[]` (`kill_jobs_resp_msg`) and the bulk `DELETE /jobs` request
// (`kill_jobs_msg`), REST v0.0.40+. Measured on 24.11 and 26.05: one entry per job that failed
// only; an unknown id comes back with `job_id` unset and the id as sent in `step_id`.

import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { definedOnly } from '../core/defined-only.js';
import { nullable } from './body-codec.js';
import type { SlurmError } from './failure-classification.js';
import { NoValNumber, noValNumber } from './no-val-number.js';

/** Slurm 24.11+ puts "already done" in `status[]` too; like every version before, it counts as success. */
const ESLURM_ALREADY_DONE = 2021;

const KillStatusEntry = t.partial({
  error: nullable(t.partial({ string: nullable(t.string), code: nullable(t.number), message: nullable(t.string) })),
  job_id: nullable(NoValNumber),
  step_id: nullable(t.string),
});
type KillStatusEntry = t.TypeOf<typeof KillStatusEntry>;
const KillStatusBody = t.type({ status: t.array(t.unknown) });

/** One entry that says a job was not signalled, with the job it names (when it names one). */
export interface KillFailure {
  readonly jobId?: number;
  readonly error: SlurmError;
}

/** The failures in a kill answer's `status[]`: none when it has no readable `status`. */
export function killFailures(body: unknown): KillFailure[] {
  const decoded = KillStatusBody.decode(body);
  if (isLeft(decoded)) return [];
  return decoded.right.status.flatMap((raw) => {
    const entry = KillStatusEntry.decode(raw);
    if (isLeft(entry)) return [];
    const error = entry.right.error;
    const code = error?.code ?? undefined;
    if (code === undefined || code === 0 || code === ESLURM_ALREADY_DONE) return [];
    const slurmError = definedOnly({ code, error: error?.string ?? undefined, description: error?.message ?? undefined, source: 'status' });
    return [definedOnly({ jobId: jobIdOf(entry.right), error: slurmError })];
  });
}

/** The failures of a bulk kill answer, which must have `status[]` (throws when it has none). */
export function bulkKillFailures(body: unknown): KillFailure[] {
  if (!KillStatusBody.is(body)) throw new Error('the kill answer has no status list');
  return killFailures(body);
}

function jobIdOf(entry: KillStatusEntry): number | undefined {
  const id = noValNumber(entry.job_id);
  if (id !== undefined && id > 0) return id;
  // "920067" for an unknown job (job_id unset); a step or array form names no job of ours.
  const step = entry.step_id ?? '';
  return /^\d+$/.test(step) ? Number(step) : undefined;
}

/**
 * The body of one `DELETE /jobs` for these jobs: SIGKILL to the whole job, as `DELETE /job/{id}`
 * sends without a `signal` (slurm_kill_job(id, SIGKILL, KILL_FULL_JOB)). Never without ids: a
 * kill_jobs_msg with no `jobs` is a filter that matches every job of the user.
 */
export function renderKillJobs(jobIds: readonly number[]): object {
  if (jobIds.length === 0) throw new Error('a bulk kill needs at least one job id');
  return { jobs: jobIds.map(String), signal: 'SIGKILL', flags: ['FULL_JOB'] };
}
