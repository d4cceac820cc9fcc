// The deployer's view of the SDP Configuration Database: deployments in, states out. One
// interface, two backends (etcd3 and in-memory).

import type { DeploymentState } from '../core/deployment-state.js';
import type { DeploymentEntry, InvalidDeployment } from '../core/events.js';
import type { RegisteredJob, Watermark } from '../core/world.js';

/** All deployments (any kind) and their states, read at one revision. */
export interface DeploymentListing {
  /** The revision read at: a watch goes on from the one after it. */
  readonly revision: number;
  /** The deployments that could be read, of any kind, with the states found. */
  readonly deployments: readonly DeploymentEntry[];
  /** The deployment values that could not be read. */
  readonly invalid: readonly InvalidDeployment[];
  /** Ids with a state this deployer wrote (it names a spec) but no deployment key. */
  readonly orphanStates: readonly string[];
  /** The jobs those states name that had not ended by their last word (absent: none). */
  readonly orphanJobs?: readonly { readonly id: string; readonly jobId: number }[];
  /** The job label's watermark, read in the same snapshot, when the listing was asked for it and one exists. */
  readonly watermark?: Watermark;
  /** The job label's job registry (by job id), read in the same snapshot when the watermark was asked for; absent when empty. */
  readonly registeredJobs?: readonly RegisteredJob[];
  /** The states found for invalid deployments (FAILED, as a deployer wrote them), by id: for `status`. */
  readonly invalidStates?: ReadonlyMap<string, DeploymentState>;
}

/** One change of a deployment key, as a watch reports it. */
export type DeploymentChange =
  | { readonly type: 'put'; readonly deployment: DeploymentEntry }
  | { readonly type: 'invalid'; readonly invalid: InvalidDeployment }
  | { readonly type: 'deleted'; readonly id: string; readonly revision: number };

/** Told of every change a watch sees, in order. */
export interface DeploymentWatchListener {
  /** One change to `/deploy/<id>` (state keys are not reported). */
  change(change: DeploymentChange): void;
  /**
   * The watch cannot go on from where it was (the revision was compacted, or it failed for good):
   * the caller lists again and starts a new watch. Called at most once.
   */
  lost(reason: string): void;
}

/** A running watch of the deployments. */
export interface DeploymentWatch {
  /** Stops the watch; nothing is reported after it resolves. */
  close(): Promise<void>;
}

/** A state write's result: written, or not, its deployment being gone (a state never resurrects a deleted deployment). */
export type StateWriteResult = 'written' | 'deployment-missing';

/** One state to write. */
export interface StateWrite {
  /** The deployment id. */
  readonly id: string;
  /** The state to write at `/deploy/<id>/state`. */
  readonly state: DeploymentState;
}

/**
 * Splits writes into transactions of at most `max` writes, none writing one id twice (etcd
 * refuses a transaction that puts one key twice), keeping their order.
 */
export function stateWriteBatches(writes: readonly StateWrite[], max: number): StateWrite[][] {
  const batches: StateWrite[][] = [];
  let batch: StateWrite[] = [];
  let ids = new Set<string>();
  for (const write of writes) {
    if (batch.length >= max || ids.has(write.id)) {
      batches.push(batch);
      batch = [];
      ids = new Set();
    }
    batch.push(write);
    ids.add(write.id);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
/** A state delete's result: deleted (or there was none), or kept, its deployment existing again. */
export type StateDeleteResult = 'deleted' | 'deployment-exists';

/** What a listing also reads. */
export interface ListingOptions {
  /** The job label whose watermark and job registry to read with the deployments (the deployer's). */
  readonly watermarkOf?: string;
}

/** One write to a job registry: an entry stored (over what its key held), or a key removed. */
export type RegistryOp = { readonly put: RegisteredJob } | { readonly remove: number };

/**
 * A recordJobs call's writes in transactions of at most `max`, removals first, none writing one key
 * twice (etcd refuses that): a job both removed and stored is stored, in a later transaction.
 */
export function registryBatches(add: readonly RegisteredJob[], remove: readonly number[], max: number): RegistryOp[][] {
  const ops: RegistryOp[] = [...remove.map((jobId) => ({ remove: jobId })), ...add.map((job) => ({ put: job }))];
  const batches: RegistryOp[][] = [];
  let batch: RegistryOp[] = [];
  let ids = new Set<number>();
  for (const op of ops) {
    const jobId = 'put' in op ? op.put.jobId : op.remove;
    if (batch.length >= max || ids.has(jobId)) {
      batches.push(batch);
      batch = [];
      ids = new Set();
    }
    batch.push(op);
    ids.add(jobId);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** The deployer's view of the SDP Configuration Database: deployments in, states out. Two backends: etcd (openConfigDb) and in memory (createMemoryConfigDb). */
export interface ConfigDb {
  /** Every deployment and its state, read at one revision. */
  listDeployments(options?: ListingOptions): Promise<DeploymentListing>;
  /** Reports every change after `afterRevision`, in order; reconnects by itself after a disconnect. */
  watchDeployments(afterRevision: number, listener: DeploymentWatchListener): Promise<DeploymentWatch>;
  /** Writes /deploy/<id>/state only if /deploy/<id> still exists (never resurrects a deleted one). */
  writeState(id: string, state: DeploymentState): Promise<StateWriteResult>;
  /**
   * Many writeState at once, in as few transactions as the store allows: one result per write,
   * in order, each with writeState's condition of its own. Writes of one id land in their order.
   * It rejects as a whole when a transaction fails (none of its writes took effect; earlier
   * transactions of the same call may have).
   */
  writeStates(writes: readonly StateWrite[]): Promise<StateWriteResult[]>;
  /**
   * Deletes /deploy/<id>/state only if /deploy/<id> does not exist (a deployment created again
   * meanwhile keeps its state); 'deployment-exists' otherwise. Deleting a missing state is fine.
   */
  deleteState(id: string): Promise<StateDeleteResult>;
  /** Stores the job label's watermark (fenced by the leader's term, as state writes are). */
  writeWatermark(label: string, watermark: Watermark): Promise<void>;
  /**
   * Stores `add` in the job label's job registry and removes the keys of `remove`, in transactions
   * of about 100 writes, each fenced as writeStates' are. It rejects as a whole when one fails
   * (earlier transactions of the same call may have landed: every write may be made again).
   */
  recordJobs(label: string, add: readonly RegisteredJob[], remove: readonly number[]): Promise<void>;
  /** Closes the client: watches stop, later calls fail. */
  close(): Promise<void>;
}
