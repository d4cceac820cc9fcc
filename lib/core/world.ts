// The reducer's model of the world: plain, JSON-serializable data.

import type { BackoffSettings } from './backoff.js';
import type { CancelReason } from './commands.js';
import type { DeploymentState } from './deployment-state.js';
import type { SlurmArgs } from './deployment-args.js';
import type { JobSettings } from './job-builder.js';
import type { SlurmJob } from './slurm-job.js';

export interface ReducerSettings {
  readonly job: JobSettings;
  /** Keep /deploy/<id>/state when a deployment is deleted (default: remove it once its job ended). */
  readonly keepStateOfDeleted?: boolean;
  readonly pollIntervalMs: number;
  readonly backoff: BackoffSettings;
}

/** What a Config DB deployment asks for. */
export interface Desired {
  readonly revision: number;
  /** Canonical JSON of the raw args: unchanged args never cause a resubmit. */
  readonly argsKey: string;
  readonly args?: SlurmArgs;
  /** Why the deployment cannot be run; set when args are invalid or the value is unreadable. */
  readonly invalid?: string;
  /** The identity recorded in the job's comment for this version of the spec. */
  readonly submitId: string;
  /** specHash of argsKey: the jobs that run this spec carry it. */
  readonly specHash: string;
}

/** The job that serves a deployment. */
export interface TrackedJob {
  readonly jobId: number;
  readonly submitId?: string;
  /** Polls with this id or later were issued after the job existed: only they can prove it gone. */
  readonly provableFromPollId: number;
  readonly observed?: SlurmJob;
  /** The terminal state once seen: terminal states are sticky. */
  readonly final?: DeploymentState;
  /** Named by the state found at start: not yet known to run the current spec. */
  readonly fromPriorState?: boolean;
  /** A poll that could have shown the job did not: look it up by id ('lookup'), or it is being looked up. */
  readonly missing?: 'lookup' | 'looking';
}

export interface Retry {
  readonly attempt: number;
  readonly at: number;
  readonly reason: string;
}

export interface DeploymentRecord {
  readonly id: string;
  readonly desired: Desired;
  /** Counts the specs this deployment has had: changed args make a new generation. */
  readonly generation: number;
  /** Active jobs found serving this deployment besides its own, cancelled as duplicates. */
  readonly duplicates?: readonly number[];
  readonly job?: TrackedJob;
  readonly submitting?: { readonly submitId: string };
  /** A submit whose outcome is unknown: wait for a poll issued after it before submitting again. */
  readonly uncertain?: { readonly submitId: string; readonly resolvedByPollId: number };
  readonly retry?: Retry;
  /** A permanent rejection of the current spec. */
  readonly rejected?: string;
  /** The last state sent to (or found in) the Config DB. */
  readonly written?: DeploymentState;
  /** A state write failed: write again at `at`. */
  readonly writeRetry?: Retry;
}

/** A labelled, active job that no deployment claims: a removed deployment's, or a duplicate. */
export interface StrayJob {
  readonly jobId: number;
  readonly deploymentId: string;
  readonly why: CancelReason;
  readonly cancelling: boolean;
  readonly attempt: number;
  /** After a failed cancel: not again before this time (ms). */
  readonly notBefore: number;
  /** After a cancel: ask again only if a poll with this id or later still shows the job active. */
  readonly confirmByPollId?: number;
  /** Polls with this id or later can prove the job gone. */
  readonly provableFromPollId: number;
}

/** A deleted deployment whose state is to be removed once its job has ended. */
export interface StateRemoval {
  readonly id: string;
  readonly deleting: boolean;
  readonly attempt: number;
  readonly notBefore: number;
}

export interface World {
  /** Milliseconds since the epoch, as told by the last tick; meaningful once `clockStarted`. */
  readonly now: number;
  readonly clockStarted: boolean;
  readonly listed: boolean;
  readonly nextPollId: number;
  readonly pollInFlight?: number;
  readonly lastPollAt?: number;
  /** The jobs with our label seen by the latest successful poll. */
  readonly lastPoll?: { readonly pollId: number; readonly jobs: readonly SlurmJob[] };
  readonly deployments: Readonly<Record<string, DeploymentRecord>>;
  readonly strays: Readonly<Record<string, StrayJob>>;
  readonly removals: Readonly<Record<string, StateRemoval>>;
  /** Submits still in flight for deployments removed meanwhile (id -> submitId): created again, one waits for it. */
  readonly orphanSubmits?: Readonly<Record<string, string>>;
  /**
   * Deployments with a state write (or removal) in flight: the next waits for its answer, so that
   * writes land in the order decided, even across a deletion and re-creation of the deployment.
   */
  readonly writing?: Readonly<Record<string, true>>;
  /** Submits of unknown outcome of deployments removed meanwhile: created again, one waits for the poll that tells. */
  readonly orphanUncertain?: Readonly<Record<string, { readonly submitId: string; readonly resolvedByPollId: number }>>;
}

export const initialWorld: World = {
  now: 0,
  clockStarted: false,
  listed: false,
  nextPollId: 1,
  deployments: {},
  strays: {},
  removals: {},
};

/** No decision is taken before the Config DB was listed and Slurm was polled once. */
export function isReady(world: World): boolean {
  return world.listed && world.lastPoll !== undefined;
}
