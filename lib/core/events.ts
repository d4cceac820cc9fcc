// Events: facts the reducer learns, from the sources (Config DB, clock) and from the outcomes
// of the commands it issued. Plain data, so that they can be journaled and replayed.

import type { DeploymentState } from './deployment-state.js';
import type { Failure } from './failure.js';
import type { JobStateReport, SlurmJob } from './slurm-job.js';
import type { RegisteredJob, Watermark } from './persisted.js';

/** A deployment as read from the Config DB, before its args are validated. */
export interface DeploymentEntry {
  /** The deployment id (the key `/deploy/<id>`). */
  readonly id: string;
  /** The deployment kind: this deployer acts on `slurm` only. */
  readonly kind: string;
  /** The deployment's args, as stored: validated by the reducer. */
  readonly args: unknown;
  /** The etcd mod revision (or the memory backend's) of the value: names this version of the spec. */
  readonly revision: number;
  /** The state found at /deploy/<id>/state when the deployment was listed (after a restart). */
  readonly priorState?: DeploymentState;
}

/** A deployment key whose value could not be read (malformed JSON, missing fields). */
export interface InvalidDeployment {
  /** The deployment id. */
  readonly id: string;
  /** What is wrong with it, naming the field. */
  readonly reason: string;
  /** The mod revision of the value read. */
  readonly revision: number;
}

/** A fact the reducer learns, one of these by `type`: from the sources (the Config DB, the clock) and the outcomes of the commands it issued. */
export type DeployerEvent =
  /** The full set of deployments at a revision: at start, and again after a watch had to resync. */
  | {
      readonly type: 'configListed';
      readonly deployments: readonly DeploymentEntry[];
      readonly invalid: readonly InvalidDeployment[];
      /**
       * Ids with a state this deployer wrote (it names a spec) but no deployment: deleted while no
       * deployer watched. Absent in journals of older versions.
       */
      readonly orphanStates?: readonly string[];
      /** The jobs those states name that had not ended by their last word: cancelled if still active. */
      readonly orphanJobs?: readonly { readonly id: string; readonly jobId: number }[];
      /** The watermark found (absent: none was ever written, or the journal is older). */
      readonly watermark?: Watermark;
      /** The job registry found beside it, by job id (absent: empty, or the journal is older). */
      readonly registeredJobs?: readonly RegisteredJob[];
    }
  | { readonly type: 'deploymentPut'; readonly deployment: DeploymentEntry }
  | { readonly type: 'deploymentInvalid'; readonly invalid: InvalidDeployment }
  | { readonly type: 'deploymentDeleted'; readonly id: string }
  /** Time advanced; `now` is milliseconds since the epoch. */
  | { readonly type: 'tick'; readonly now: number }
  | { readonly type: 'jobsPolled'; readonly pollId: number; readonly jobs: readonly SlurmJob[] }
  | { readonly type: 'pollFailed'; readonly pollId: number; readonly failure: Failure }
  /**
   * The answer to a state poll: the states of the jobs asked for that Slurm knows (one asked for
   * and absent is unknown to Slurm), the highest job id of the cluster when every job was listed,
   * and, of a discovery, the labelled jobs above its floor that the deployer did not know.
   */
  | {
      readonly type: 'statesPolled';
      readonly pollId: number;
      readonly states: readonly JobStateReport[];
      readonly maxJobId?: number;
      readonly discovered?: readonly SlurmJob[];
    }
  | { readonly type: 'statesPollFailed'; readonly pollId: number; readonly failure: Failure }
  | { readonly type: 'jobSubmitted'; readonly id: string; readonly submitId: string; readonly jobId: number }
  | { readonly type: 'submitFailed'; readonly id: string; readonly submitId: string; readonly failure: Failure }
  /** The answer to a lookup of one job by id; `job` is absent when Slurm no longer knows it. */
  | { readonly type: 'jobLookedUp'; readonly id: string; readonly jobId: number; readonly job?: SlurmJob }
  | { readonly type: 'lookupFailed'; readonly id: string; readonly jobId: number; readonly failure: Failure }
  | { readonly type: 'jobCancelled'; readonly id: string; readonly jobId: number }
  | { readonly type: 'cancelFailed'; readonly id: string; readonly jobId: number; readonly failure: Failure }
  | { readonly type: 'stateWritten'; readonly id: string; readonly state: DeploymentState }
  | { readonly type: 'stateDeleted'; readonly id: string }
  | { readonly type: 'stateDeleteFailed'; readonly id: string; readonly failure: Failure }
  | { readonly type: 'stateWriteFailed'; readonly id: string; readonly state: DeploymentState; readonly failure: Failure }
  | { readonly type: 'watermarkWritten'; readonly watermark: Watermark }
  | { readonly type: 'watermarkWriteFailed'; readonly watermark: Watermark; readonly failure: Failure }
  | { readonly type: 'jobsRecorded'; readonly add: readonly RegisteredJob[]; readonly remove: readonly number[] }
  | { readonly type: 'jobsRecordFailed'; readonly add: readonly RegisteredJob[]; readonly remove: readonly number[]; readonly failure: Failure };

/** The `type` of an event. */
export type EventType = DeployerEvent['type'];
