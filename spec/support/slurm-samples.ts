// The bodies recorded from the real slurmrestd 22.05 (spec/fixtures/slurm-22.05),
// with the request and status that produced each. A spec gets a JSON body only after it passed
// the v0.0.38 OpenAPI contract, so the samples and the document cannot drift apart unseen.

import { readFileSync } from 'node:fs';
import { fixtureFile } from './repo.js';
import { slurmContract } from './slurm-contract.js';

export interface RecordedSample {
  readonly file: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

const sample = (file: string, method: string, path: string, status: number): RecordedSample => ({ file, method, path, status });

/** Every recorded JSON answer the specs use. */
export const RECORDED_V0038: readonly RecordedSample[] = [
  sample('jobs_list.json', 'GET', '/slurm/v0.0.38/jobs', 200),
  sample('root_token_impersonating_slurmjob_jobs.json', 'GET', '/slurm/v0.0.38/jobs', 200),
  sample('job_get_completed.json', 'GET', '/slurm/v0.0.38/job/1', 200),
  sample('job_get_failed.json', 'GET', '/slurm/v0.0.38/job/2', 200),
  sample('job_get_cancelled.json', 'GET', '/slurm/v0.0.38/job/3', 200),
  sample('job_get_pending_held.json', 'GET', '/slurm/v0.0.38/job/4', 200),
  sample('job_get_timeout.json', 'GET', '/slurm/v0.0.38/job/5', 200),
  sample('submit_response.json', 'POST', '/slurm/v0.0.38/job/submit', 200),
  sample('job_cancel_response.json', 'DELETE', '/slurm/v0.0.38/job/3', 200),
  sample('job_cancel_again_response.json', 'DELETE', '/slurm/v0.0.38/job/3', 200),
  sample('ping.json', 'GET', '/slurm/v0.0.38/ping', 200),
  sample('diag.json', 'GET', '/slurm/v0.0.38/diag', 200),
  sample('err_bad_key.json', 'POST', '/slurm/v0.0.38/job/submit', 400),
  sample('err_no_env.json', 'POST', '/slurm/v0.0.38/job/submit', 400),
  sample('err_no_script.json', 'POST', '/slurm/v0.0.38/job/submit', 500),
  sample('err_bad_partition.json', 'POST', '/slurm/v0.0.38/job/submit', 500),
  sample('err_bad_token_submit.json', 'POST', '/slurm/v0.0.38/job/submit', 500),
  sample('err_bad_token.json', 'GET', '/slurm/v0.0.38/jobs', 500),
  sample('err_expired_token.json', 'GET', '/slurm/v0.0.38/jobs', 500),
  sample('err_token_user_mismatch.json', 'GET', '/slurm/v0.0.38/jobs', 500),
  sample('err_unknown_job.json', 'GET', '/slurm/v0.0.38/job/999999', 500),
  sample('err_cancel_unknown.json', 'DELETE', '/slurm/v0.0.38/job/999999', 500),
  sample('ctld_down_jobs.json', 'GET', '/slurm/v0.0.38/jobs', 500),
  sample('ctld_down_job_ID.json', 'GET', '/slurm/v0.0.38/job/226', 500),
  sample('ctld_down_submit.json', 'POST', '/slurm/v0.0.38/job/submit', 500),
  sample('ctld_down_delete.json', 'DELETE', '/slurm/v0.0.38/job/226', 500),
  sample('ctld_down_ping.json', 'GET', '/slurm/v0.0.38/ping', 500),
];

/**
 * Not checked: text bodies (no document describes the router's text/plain answers), the empty
 * body of the 304, the request, the OpenAPI document itself, and answers the deployer never reads.
 */
export const NOT_CHECKED_V0038 = [
  'err_bad_json.json',
  'err_unknown_path.json',
  'err_no_auth.txt',
  'jobs_list_update_time.json',
  'submit_request.json',
  'openapi_v3.json',
  'nodes.json',
  'partitions.json',
];

export function recordedText(file: string): string {
  return readFileSync(fixtureFile('slurm-22.05', file), 'utf8');
}

/** A recorded JSON answer, after the v0.0.38 contract accepted it (throws otherwise). */
export function recordedBody(file: string): unknown {
  const recorded = RECORDED_V0038.find((s) => s.file === file);
  if (recorded === undefined) throw new Error(`${file} is not a recorded JSON answer (see RECORDED_V0038)`);
  return slurmContract('v0.0.38').checkResponse(recorded.method, recorded.path, recorded.status, JSON.parse(recordedText(file)) as unknown);
}
