// The one interface the deployer uses to talk to Slurm, whatever the REST API version behind it.

import type { Failure } from '../core/failure.js';
import type { JobSpec, SlurmJob } from '../core/slurm-job.js';

export interface SlurmApi {
  /** The REST API version in use, e.g. `v0.0.38`. */
  readonly version: string;
  /** Submits one batch job; resolves to its job id. Never retried automatically (it is a POST). */
  submit(spec: JobSpec): Promise<number>;
  /**
   * Every job Slurm knows, in one request whatever their number. From the second call on it
   * sends `update_time`; when slurmctld says nothing changed (a 304 with an empty body in
   * v0.0.38, a 200 with a "No job changes" warning later), it resolves to a copy of the last full
   * list this client received: never to an empty list because of it. The cache is per client.
   * Slurm has no server-side filter by mcs_label: a client given `jobLabel` (the deployer's, see
   * SlurmClientBehaviour) drops the other jobs where it reads the list; without it, every job
   * comes back. The reducer keeps only jobs with the deployer's label either way.
   */
  /** The same (frozen) array as the last time when Slurm says nothing changed: the reducer then compares nothing. */
  listJobs(): Promise<readonly SlurmJob[]>;
  /**
   * One job by id, for the vanished-job check; undefined when Slurm no longer knows it. When the
   * client uses accounting (v0.0.39+ with slurmdbd), a job the controller forgot (MinJobAge) is
   * looked up in `/slurmdb/{version}/job/{id}`, so its final state is learnt, not guessed.
   */
  getJob(jobId: number): Promise<SlurmJob | undefined>;
  /**
   * Cancels (signals with SIGKILL, whole job) one job. An unknown job is a permanent failure in
   * every version, including Slurm 24.11+'s 200 answer with the error inside (v0.0.42+).
   */
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
