// The deployer's view of the SDP Configuration Database: deployments in, states out. One
// interface, two backends (etcd3 and in-memory).

import type { DeploymentState } from '../core/deployment-state.js';
import type { DeploymentEntry, InvalidDeployment } from '../core/events.js';

/** All deployments (any kind) and their states, read at one revision. */
export interface DeploymentListing {
  readonly revision: number;
  readonly deployments: readonly DeploymentEntry[];
  readonly invalid: readonly InvalidDeployment[];
  /** Ids with a state this deployer wrote (it names a spec) but no deployment key. */
  readonly orphanStates: readonly string[];
  /** The states found for invalid deployments (FAILED, as a deployer wrote them), by id: for `status`. */
  readonly invalidStates?: ReadonlyMap<string, DeploymentState>;
}

export type DeploymentChange =
  | { readonly type: 'put'; readonly deployment: DeploymentEntry }
  | { readonly type: 'invalid'; readonly invalid: InvalidDeployment }
  | { readonly type: 'deleted'; readonly id: string; readonly revision: number };

export interface DeploymentWatchListener {
  /** One change to `/deploy/<id>` (state keys are not reported). */
  change(change: DeploymentChange): void;
  /**
   * The watch cannot go on from where it was (the revision was compacted, or it failed for good):
   * the caller lists again and starts a new watch. Called at most once.
   */
  lost(reason: string): void;
}

export interface DeploymentWatch {
  close(): Promise<void>;
}

export type StateWriteResult = 'written' | 'deployment-missing';
export type StateDeleteResult = 'deleted' | 'deployment-exists';

export interface ConfigDb {
  listDeployments(): Promise<DeploymentListing>;
  /** Reports every change after `afterRevision`, in order; reconnects by itself after a disconnect. */
  watchDeployments(afterRevision: number, listener: DeploymentWatchListener): Promise<DeploymentWatch>;
  /** Writes /deploy/<id>/state only if /deploy/<id> still exists (never resurrects a deleted one). */
  writeState(id: string, state: DeploymentState): Promise<StateWriteResult>;
  /**
   * Deletes /deploy/<id>/state only if /deploy/<id> does not exist (a deployment created again
   * meanwhile keeps its state); 'deployment-exists' otherwise. Deleting a missing state is fine.
   */
  deleteState(id: string): Promise<StateDeleteResult>;
  close(): Promise<void>;
}
