// A job looked up by id (SlurmApi.getJob): slurmctld first; a job it no longer knows (aged out
// after MinJobAge), or a job of another label that took our job's id, from Slurm accounting
// (`/slurmdb/{version}/job/{id}`) where the client reads it.

import type { SlurmJob } from '../core/slurm-job.js';
import type { SlurmAdapter } from './adapter.js';
import { isSuccess, parsedBody } from './answer-body.js';
import { errorsOfBody } from './body-messages.js';
import { meansJobNotFound } from './failure-classification.js';
import type { SlurmHttp } from './slurm-http.js';

export interface JobLookupOptions {
  /** The deployer's mcs_label: a job of another label is not ours. Unset: every job is. */
  readonly jobLabel?: string | undefined;
  /** The version's reader of accounting records; unset: slurmctld alone is asked. */
  readonly parseAccountingJobs?: ((body: unknown) => SlurmJob[]) | undefined;
}

/** The lookup of one job by its id (a positive integer, checked by the caller). */
export function createJobLookup(http: SlurmHttp, adapter: SlurmAdapter, { jobLabel, parseAccountingJobs }: JobLookupOptions): (jobId: number) => Promise<SlurmJob | undefined> {
  const version = adapter.version;
  const ours = (job: SlurmJob): boolean => jobLabel === undefined || job.mcsLabel === jobLabel;

  async function accountingRecord(jobId: number, parse: (body: unknown) => SlurmJob[]): Promise<SlurmJob | undefined> {
    const answer = await http.call('getJob', 'GET', `/slurmdb/${version}/job/${jobId}`);
    if (!isSuccess(answer)) {
      const errors = errorsOfBody(answer.body);
      if (meansJobNotFound('getJob', errors)) return undefined;
      http.fail('getJob', answer, errors);
    }
    // Job ids are reused (after MaxJobId wraps, or a reset): the latest submission of our label is
    // the job we lost; without one, the latest, which the reducer sees is not ours.
    const records = parsedBody(http, 'getJob', answer, parse)
      .filter((job) => job.jobId === jobId)
      .sort((a, b) => (b.submitTime ?? 0) - (a.submitTime ?? 0));
    return records.find(ours) ?? records[0];
  }

  return async (jobId) => {
    const answer = await http.call('getJob', 'GET', `/slurm/${version}${adapter.paths.job(jobId)}`);
    let controller: SlurmJob | undefined;
    if (isSuccess(answer)) {
      controller = parsedBody(http, 'getJob', answer, adapter.parseJobs).find((j) => j.jobId === jobId);
      // A job of another label under this id took the id of ours, which only accounting may still know.
      if (controller !== undefined && (ours(controller) || parseAccountingJobs === undefined)) return controller;
    } else {
      const errors = errorsOfBody(answer.body);
      if (!meansJobNotFound('getJob', errors)) http.fail('getJob', answer, errors);
    }
    if (parseAccountingJobs === undefined) return undefined;
    const record = await accountingRecord(jobId, parseAccountingJobs);
    return controller !== undefined && (record === undefined || !ours(record)) ? controller : record;
  };
}
