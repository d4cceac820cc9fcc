// A deployment as the reducer knows it: what the Config DB asks for, and where its life stands
// (one phase at a time), with the job that serves it.

import type { DeploymentState } from './deployment-state.js';
import type { SlurmArgs } from './slurm-args.js';
import type { SlurmJob } from './slurm-job.js';

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

/**
 * A submit whose outcome is unknown (a timeout, a lost connection, a lost answer): its job may
 * exist, with an id above `floor` (the highest job id seen when it was sent). It stays unknown
 * until `settleAt` at least (absent: decided by the next poll); `resolvedByPollId` is the first
 * complete poll issued after that: it tells.
 */
export interface UnknownOutcome {
  readonly floor: number;
  readonly settleAt?: number;
  readonly resolvedByPollId?: number;
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
  /**
   * The end the state found at start shows without its details (no exit code: the last term wrote
   * what a state poll showed, then stopped before a lookup told the rest). It stands until a poll
   * or a lookup tells more, and when Slurm has forgotten the job (slot.ts endKnownOf).
   */
  readonly priorEnd?: DeploymentState;
  /** A poll that could have shown the job did not: look it up by id ('lookup'), or it is being looked up. */
  readonly missing?: 'lookup' | 'looking';
  /**
   * Lookups answered with a job that is not this one (UnmatchedLookupSettings), `answers` in a row:
   * the next lookup is not made before `at` (ms). Gone once the job is seen again.
   */
  readonly unmatched?: { readonly answers: number; readonly at: number };
}

export interface Retry {
  readonly attempt: number;
  readonly at: number;
  readonly reason: string;
}

/** Where a deployment's life stands: one of these at a time, never a mix. */
export type Phase =
  /** Its args cannot run (the reason is `desired.invalid`). */
  | { readonly kind: 'invalid' }
  /**
   * Slurm refused this spec for good: not submitted again until the args change, nor after a
   * restart (the state remembers it). `submitId` names the refused submit (absent when the state
   * found at start told); `job` an ended job that submit made all the same (Slurm can answer an
   * error after creating the job).
   */
  | { readonly kind: 'rejected'; readonly reason: string; readonly submitId?: string; readonly job?: { readonly jobId: number; readonly slurmState: string } }
  /** Handling it threw (a bug, or data the code could not take): FAILED, the others go on. */
  | { readonly kind: 'faulted'; readonly reason: string }
  /** No job: one is submitted when nothing holds it back (a retry not yet due, a job still ending). */
  | { readonly kind: 'idle' }
  /**
   * No job: some deployment it depends on has none yet, or is not there (dependency-gate.ts).
   * `reason` says which; `failAt`: when an unknown id has been waited for long enough; `present`:
   * the ids seen there while it waited (one gone since was deleted).
   */
  | { readonly kind: 'waiting'; readonly reason: string; readonly failAt?: number; readonly present: readonly string[] }
  /**
   * A dependency can never be met (it failed without a job, was deleted, ended the wrong way, never
   * came, or waits for this one): not submitted until the args change, nor after a restart.
   */
  | { readonly kind: 'blocked'; readonly reason: string }
  /**
   * Submitted; `floor` is the highest job id seen before: its job's id is above it. `endsSeen`:
   * jobs of this submit a poll showed ended, gone from Slurm before the answer came (the answer
   * takes the end seen: apply-event.ts).
   */
  | { readonly kind: 'submitting'; readonly submitId: string; readonly floor: number; readonly endsSeen?: readonly SlurmJob[] }
  /** A submit whose outcome is unknown: a complete poll issued late enough tells whether the job exists. */
  | ({ readonly kind: 'uncertain'; readonly submitId: string } & UnknownOutcome)
  | { readonly kind: 'tracking'; readonly job: TrackedJob };

/** A deployment that exists in the Config DB. */
export interface Deployment {
  readonly desired: Desired;
  /** Counts the specs this deployment has had: changed args make a new generation. */
  readonly generation: number;
  readonly phase: Phase;
  /** Failed submits of the current spec so far, and when to try again. */
  readonly retry?: Retry;
  /** Active jobs found serving this deployment besides its own, cancelled as duplicates. */
  readonly duplicates?: readonly number[];
  /** The last state sent to (or found in) the Config DB. */
  readonly written?: DeploymentState;
  /** A state write failed: write again at `at`. */
  readonly writeRetry?: Retry;
}
