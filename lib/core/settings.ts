// What the reducer is told of the deployer's configuration (the live deployer's own is in
// lib/config/reducer-settings.ts); journals record them in their header, so every addition is optional.

import type { BackoffSettings } from './backoff.js';
import type { JobSettings } from './job-builder.js';

/** What the reducer is made with (createReducer): the deployer's configuration as far as decisions go (reducerSettingsOf builds it from a DeployerConfig). */
export interface ReducerSettings {
  /** What every job gets: the label, defaults and environment. */
  readonly job: JobSettings;
  /** Keep /deploy/<id>/state when a deployment is deleted (default: remove it once its job ended). */
  readonly keepStateOfDeleted?: boolean;
  /**
   * Between full reconciles: full job lists where Slurm has no `GET /jobs/state`; with state polls,
   * a poll of every job's id and state (`all`), which keeps the job-id floor near the cluster's.
   */
  readonly pollIntervalMs: number;
  /**
   * Between polls of the states of the deployer's own jobs by id (`pollStates`), on a server with
   * `GET /jobs/state`; absent: every poll is a full job list (and journals of older versions).
   */
  readonly statePollIntervalMs?: number;
  /**
   * How long a submit of unknown outcome stays unknown after the failure that made it so: only a
   * complete poll issued after that may prove that no job came of it. Absent: the next poll.
   */
  readonly submitSettleMs?: number;
  /** The job-id watermark (the floor of unrecorded jobs, persisted): absent in older journals. */
  readonly watermark?: WatermarkSettings;
  /** Between retries of failed commands. */
  readonly backoff: BackoffSettings;
  /**
   * Lookups ask Slurm accounting (slurmdbd) for a job slurmctld forgot (SlurmApi.readsAccounting):
   * a job unknown to both is gone from Slurm's records, and its verdict says where it was looked.
   * Absent: journals of older versions (the verdict says "vanished from Slurm").
   */
  readonly accounting?: boolean;
  /** Lookup answers that are not the job looked up (lookup-match.ts). Absent: older journals (UNMATCHED_LOOKUP_FALLBACK). */
  readonly unmatchedLookup?: UnmatchedLookupSettings;
  /**
   * How long a deployment waits for a dependency (args.after_ok and the like) that names no
   * deployment before it is FAILED (dependency-gate.ts). Absent: DEPENDENCY_WAIT_MS.
   */
  readonly dependencyWaitMs?: number;
}

/**
 * A lookup answered with a job of another mcs label, or whose comment names another deployment or
 * submit: that answer is not the job, nor proof that it is gone. The lookup is made again after
 * `backoff`; the `attempts`-th such answer in a row ends the deployment FAILED, saying what was seen.
 */
export interface UnmatchedLookupSettings {
  /** Such answers in a row that end the deployment FAILED. */
  readonly attempts: number;
  /** Before the lookup is made again. */
  readonly backoff: BackoffSettings;
}

/** The job-id watermark: how often it is written, and how a term after an unclean stop waits for the last one's submits. */
export interface WatermarkSettings {
  /** Between two writes of a risen floor, at least. */
  readonly everyMs: number;
  /**
   * After a stop that was not clean (a crash, a lost leadership) with deployments that name no
   * job: how long the term waits before its first poll, so that submits the last leader still had
   * inside slurmrestd (retrying against slurmctld's rate limit) have landed and show.
   */
  readonly takeoverHoldMs: number;
  /**
   * A term with nothing in flight writes its watermark clean, and unclean again before its next
   * submit: a crash at rest then costs the next term no hold. Absent in older journals: a running
   * term always wrote unclean.
   */
  readonly cleanAtRest?: boolean;
  /**
   * Every submit is written into the watermark (`inFlight`) before it is sent, at most this many
   * of the term's own at once: a new term then holds back only the deployments whose submits the
   * last one may have left inside slurmrestd, not every deployment. Absent in older journals: an
   * unclean stop held the new term's first poll.
   */
  readonly inFlightCap?: number;
}
