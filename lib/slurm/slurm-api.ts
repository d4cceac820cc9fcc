// The one interface the deployer uses to talk to Slurm, whatever the REST API version behind it.

import type { Failure } from '../core/failure.js';
import type { JobSpec, JobStateReport, SlurmJob } from '../core/slurm-job.js';

/** The Slurm client the deployer uses, whatever the REST API version behind it (connectSlurm makes one); every failed call rejects with a SlurmRequestError. */
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
   * Whether getJob asks accounting (`/slurmdb`) for a job slurmctld no longer knows: a job unknown
   * to both is then known to be gone from Slurm's records, not just from the controller's. Absent: false.
   */
  readonly readsAccounting?: boolean;
  /**
   * Whether the server answers `GET /jobs/state` (REST v0.0.40+ on Slurm 23.11.5+): then the
   * deployer polls the states of its own jobs by id (readStates) rather than the whole cluster.
   */
  readonly readsStates: boolean;
  /**
   * The states of the jobs asked for, in as few requests as the server takes (ids repeated as
   * `job_id=1&job_id=2`; the comma form is refused). A job Slurm no longer knows is absent from
   * the answer. With `all`, one request lists every job of the cluster (ids and states only:
   * about 80 bytes a job) and the answer carries the highest job id in it, `maxJobId`; still only
   * the states of `jobIds` are returned. With `discover` (implies `all`), every job of the
   * cluster with an id above `discover.above` that is neither asked for nor in `discover.known`
   * is looked up once (or, when there are many, read from one full list) and those with the
   * deployer's label come back whole in `discovered`. Rejects as the other calls do; throws a
   * permanent failure where `readsStates` is false.
   */
  readStates(request: StatesRequest): Promise<StatesReading>;
  /**
   * Cancels (signals with SIGKILL, whole job) one job. An unknown job is a permanent failure in
   * every version, including Slurm 24.11+'s 200 answer with the error inside (v0.0.42+).
   */
  cancel(jobId: number): Promise<void>;
  /** How requests to Slurm are paced now: for /readyz and metrics. */
  pacing(): PacingReport;
  /** Closes its connections; later calls fail. */
  close(): Promise<void>;
}

/** What SlurmApi.readStates asks for. */
export interface StatesRequest {
  /** The jobs whose states are wanted. */
  readonly jobIds: readonly number[];
  /** List every job of the cluster (ids and states), to learn its highest job id. */
  readonly all?: boolean;
  /** Also find the deployer's jobs above `above` not among `jobIds` nor `known` (implies `all`). */
  readonly discover?: { readonly above: number; readonly known: readonly number[] };
}

/** What SlurmApi.readStates learnt. */
export interface StatesReading {
  /** The states of the ids asked for that Slurm knows. */
  readonly states: readonly JobStateReport[];
  /** With `all` or `discover`: the highest job id the cluster lists (0 when it lists none). */
  readonly maxJobId?: number;
  /** With `discover`: the labelled jobs found above `discover.above` (full records). */
  readonly discovered?: readonly SlurmJob[];
}

/** What the pacing of requests to Slurm looks like now (lib/slurm/request-pacer.ts). */
export interface PacingReport {
  /** Slurm answered late (slurmctld's per-user rate limit) within the last minute. */
  readonly throttled: boolean;
  /** Requests other than polls allowed in flight at once, now. */
  readonly limit: number;
  /** Requests other than polls in flight now. */
  readonly inFlight: number;
  /** Requests waiting for room under the limit now. */
  readonly queued: number;
  /** Answers that came late for throttling since the start. */
  readonly throttledAnswers: number;
}

/** The report of a client that paces nothing (doubles, and clients before their first request). */
export const UNPACED: PacingReport = Object.freeze({ throttled: false, limit: Infinity, inFlight: 0, queued: 0, throttledAnswers: 0 });

/** Every failed Slurm call rejects with this: the failure is already classified for the reducer. */
export class SlurmRequestError extends Error {
  /** `SlurmRequestError`. */
  override readonly name = 'SlurmRequestError';

  constructor(
    /** The failure, classified for the reducer (its message names the operation, never a secret). */
    readonly failure: Failure,
    /** The HTTP status, when an answer came. */
    readonly status?: number,
  ) {
    super(failure.message);
  }
}
