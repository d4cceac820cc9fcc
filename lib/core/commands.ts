// Commands: what the reducer wants done. Sinks carry them out and answer each with exactly one
// outcome event (each command's: streams/loop/command-table.ts), so the loop always hears back.

import type { DeploymentState } from './deployment-state.js';
import type { JobSpec } from './slurm-job.js';
import type { RegisteredJob, Watermark } from './persisted.js';

/** What the reducer wants done, one of these by `type`; DeployerSinks carry each out and answer it with one outcome event. */
export type Command =
  /** Every job Slurm knows (its list filtered to the deployer's label). */
  | { readonly type: 'pollJobs'; readonly pollId: number }
  /**
   * The states of these jobs by id (a server with `GET /jobs/state`); with `all`, of every job of the
   * cluster (the answer says its highest job id); with `discover`, also every labelled job above
   * `discover.above` that is not among `jobIds` nor `discover.known`, whole.
   */
  | {
      readonly type: 'pollStates';
      readonly pollId: number;
      readonly jobIds: readonly number[];
      readonly all: boolean;
      readonly discover?: { readonly above: number; readonly known: readonly number[] };
    }
  | { readonly type: 'submitJob'; readonly id: string; readonly submitId: string; readonly spec: JobSpec }
  /** Asks Slurm about one job that a poll no longer shows, before calling it lost. */
  | { readonly type: 'lookupJob'; readonly id: string; readonly jobId: number }
  | { readonly type: 'cancelJob'; readonly id: string; readonly jobId: number; readonly why: CancelReason }
  | { readonly type: 'writeState'; readonly id: string; readonly state: DeploymentState }
  /** Removes /deploy/<id>/state of a deleted deployment, once its job has ended. */
  | { readonly type: 'deleteState'; readonly id: string }
  /** Persists the job-id watermark (fenced by the term, as state writes are). */
  | { readonly type: 'writeWatermark'; readonly watermark: Watermark }
  /**
   * Brings the job registry (`/slurm-deployer/jobs/<label>/<jobId>`) closer to the jobs followed:
   * stores `add` (over what a key held) and removes the keys of `remove` (fenced by the term).
   */
  | { readonly type: 'recordJobs'; readonly add: readonly RegisteredJob[]; readonly remove: readonly number[] };

/** The `type` of a command. */
export type CommandType = Command['type'];

/** Why a job is cancelled: said in the log. */
export type CancelReason =
  /** Its deployment was deleted (or is no longer of kind slurm). */
  | 'deployment removed'
  /** Its deployment's args changed: it makes way for a job of the new spec. */
  | 'replaced'
  /** Another active job serves the same deployment (left by a crash or a lost answer). */
  | 'duplicate';

export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
