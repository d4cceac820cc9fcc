// One `DELETE /slurm/{version}/jobs/` for several jobs (REST v0.0.40+): one slurmctld RPC for all
// of them. Each job's outcome is read from `status[]`, classified as a single cancel's would be.

import type { SlurmAdapter } from './adapter.js';
import { isSuccess, parsedBody } from './answer-body.js';
import { errorsOfBody } from './body-messages.js';
import { describeErrors } from './failure-classification.js';
import type { KillFailure } from './kill-jobs-body.js';
import type { SlurmRequestError } from './slurm-api.js';
import type { Answer, SlurmHttp } from './slurm-http.js';

/**
 * Resolves to the error of each job Slurm did not signal: an unknown job (2017) is a permanent
 * failure, as from a single DELETE; "already done" is success. Rejects, for every job, when the
 * request failed (no answer, an error status, errors in the answer, no `status[]` to read).
 */
export async function cancelJobs(
  http: SlurmHttp,
  path: string,
  bulk: NonNullable<SlurmAdapter['bulkCancel']>,
  jobIds: readonly number[],
): Promise<Map<number, SlurmRequestError>> {
  const answer = await http.call('cancel', 'DELETE', path, { body: bulk.render(jobIds) });
  if (!isSuccess(answer)) http.fail('cancel', answer, errorsOfBody(answer.body));
  const errors = errorsOfBody(answer.body);
  if (errors.length > 0) http.fail('cancel', answer, errors);
  const failures = parsedBody(http, 'cancel', answer, bulk.failures);
  const asked = new Set(jobIds);
  const outcome = new Map<number, SlurmRequestError>();
  const unnamed: KillFailure[] = [];
  for (const failure of failures) {
    if (failure.jobId !== undefined && asked.has(failure.jobId)) outcome.set(failure.jobId, failureOf(http, answer, failure));
    else unnamed.push(failure);
  }
  if (unnamed.length > 0) {
    // An error Slurm did not tie to a job we asked about: no job can be said cancelled for sure,
    // nor failed for good. Asking again is safe (a cancelled job's DELETE is "already done").
    const message = `cancel: HTTP ${answer.status}: ${describeErrors(unnamed.map((f) => f.error))}: for no job of the request`;
    const error = http.reject({ kind: 'transient', message }, answer);
    for (const id of jobIds) if (!outcome.has(id)) outcome.set(id, error);
  }
  return outcome;
}

function failureOf(http: SlurmHttp, answer: Answer, failure: KillFailure): SlurmRequestError {
  try {
    return http.fail('cancel', answer, [failure.error]);
  } catch (error) {
    return error as SlurmRequestError;
  }
}
