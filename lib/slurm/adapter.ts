// What a version adapter is: the pure translation between the version-free JobSpec/SlurmJob and
// one REST API version's paths and bodies. The HTTP client (rest-client.ts) is the same for all.

import type { JobSpec, SlurmJob } from '../core/slurm-job.js';
import type { SlurmApiVersion } from './api-versions.js';
import type { SlurmError } from './failure-classification.js';
import type { StatesListing } from './job-states-body.js';
import type { KillFailure } from './kill-jobs-body.js';

/** What a 200 answer to `GET jobs` says. */
export type JobListReading =
  /** A full list; `lastUpdate` is the server's time of it (v0.0.40+ `last_update`), Unix seconds. */
  | { readonly kind: 'full'; readonly jobs: SlurmJob[]; readonly lastUpdate?: number }
  /** "No job changes since update_time": the list is the one last received. */
  | { readonly kind: 'unchanged' };

export interface SlurmAdapter {
  readonly version: SlurmApiVersion;
  /** Paths below `/slurm/{version}`, written as that version's OpenAPI document writes them. */
  readonly paths: {
    readonly submit: string;
    readonly jobs: string;
    job(jobId: number): string;
  };
  /**
   * False when `GET jobs?update_time=<unix seconds>` must not be sent: slurmrestd 24.11 answers
   * it with 422 ("Parsing of ... for timestamp failed") on v0.0.40 and v0.0.41, which want a
   * Slurm time string there. Such versions always ask for the full list.
   */
  readonly conditionalList: boolean;
  /** The submit body. */
  renderSubmit(spec: JobSpec): object;
  /** The job id of a successful submit answer. */
  parseSubmit(body: unknown): number;
  /** A 200 answer to `GET jobs` (with or without `update_time`). */
  readJobList(body: unknown): JobListReading;
  /** The jobs of a `GET job/{id}` answer. */
  parseJobs(body: unknown): SlurmJob[];
  /**
   * Errors inside a successful (2xx) cancel answer. Slurm 24.11+ answers a cancel of an unknown
   * job with 200 and the error in `status[]` (v0.0.42+); an empty list means the signal went out.
   */
  cancelErrors(body: unknown): SlurmError[];
  /**
   * The jobs of a `GET /slurmdb/{version}/job/{id}` answer, for versions whose accounting
   * answers this deployer reads (v0.0.39 and later); absent otherwise.
   */
  readonly parseAccountingJobs?: (body: unknown) => SlurmJob[];
  /**
   * `GET /jobs/state` (v0.0.40+; absent before): `path` below `/slurm/{version}`, queried with
   * `job_id` repeated (`job_id=1&job_id=2`; the documented comma form is refused: HTTP 500 on
   * 26.05, 400 on 24.11), or without it for every job of the cluster.
   */
  readonly states?: {
    readonly path: string;
    read(body: unknown): StatesListing;
  };
  /** `DELETE /jobs` with a list of ids, one slurmctld RPC for all (v0.0.40+; absent before). */
  readonly bulkCancel?: {
    readonly path: string;
    render(jobIds: readonly number[]): object;
    /** The jobs of a 2xx answer's `status[]` that were not signalled; "already done" is not among them. */
    failures(body: unknown): KillFailure[];
  };
}
