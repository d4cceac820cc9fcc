// The one interface the deployer uses to talk to Slurm, whatever the REST API version behind it.

import type { Failure } from '../core/failure.js';
import type { JobSpec, SlurmJob } from '../core/slurm-job.js';

export interface SlurmApi {
  /** The REST API version in use, e.g. `v0.0.38`. */
  readonly version: string;
  /** Submits one batch job; resolves to its job id. Never retried automatically (it is a POST). */
  submit(spec: JobSpec): Promise<number>;
  /** Every job Slurm knows (one request, whatever their number), with no label filtering. */
  listJobs(): Promise<SlurmJob[]>;
  /** One job by id; undefined when Slurm no longer knows it. */
  getJob(jobId: number): Promise<SlurmJob | undefined>;
  /** Cancels (signals with SIGKILL, whole job) one job. */
  cancel(jobId: number): Promise<void>;
  close(): Promise<void>;
}

/** Every failed Slurm call rejects with this: the failure is already classified for the reducer. */
export class SlurmRequestError extends Error {
  override readonly name = 'SlurmRequestError';

  constructor(
    readonly failure: Failure,
    /** The HTTP status, when an answer came. */
    readonly status?: number,
  ) {
    super(failure.message);
  }
}
