// An in-memory Config DB with the etcd backend's semantics (one revision per write, list at a
// revision, watch replaying history after a revision, compaction), for specs and for embedding.

import type { DeploymentState } from '../core/deployment-state.js';
import type { DeploymentEntry, InvalidDeployment } from '../core/events.js';
import type { RegisteredJob, Watermark } from '../core/world.js';
import { registryBatches, type ConfigDb, type DeploymentChange, DeploymentListing, DeploymentWatch, DeploymentWatchListener, type ListingOptions, type StateDeleteResult, type StateWrite, type StateWriteResult } from './config-db.js';
import { decodeDeployment, decodeRegisteredJob, decodeState, decodeWatermark, encodeRegisteredJob, encodeState, encodeWatermark } from './codecs.js';
import { assembleListing } from './listing.js';
import { deploymentKey, deploymentsKeyPrefix, parseKey, parseRegistryKey, registryKey, registryKeyPrefix, stateKey, statesKeyPrefix, watermarkKey } from './paths.js';

/** An in-memory Config DB with etcd's semantics (a revision per write, listing at a revision, watches replaying history, compaction), for tests and embedding; a spec or a demo writes deployments into it as ska-sdp-config would. */
export interface MemoryConfigDb extends ConfigDb {
  /** The revision of the last write (0 before any). */
  readonly revision: number;
  /** Calls of writeState and writeStates (transactions), counted for specs and the bench. */
  readonly stateWriteCalls: number;
  /** Stores a deployment value as ska-sdp-config writes it (JSON, sorted keys); returns the revision. */
  putDeployment(id: string, value: unknown): number;
  /** Stores any text under any key, e.g. `2/deploy/x` or `3/deploy/x/state`; returns the revision. */
  putRaw(key: string, text: string): number;
  /** Deletes a deployment and its children (its state) in one revision, as ska-sdp-config does. */
  deleteDeployment(id: string): boolean;
  /** The state stored for a deployment, decoded; undefined when there is none. */
  getState(id: string): DeploymentState | undefined;
  /** The text stored under a key, as etcdctl get would show it. */
  getRaw(key: string): string | undefined;
  /** Forgets the history before `revision`: a watch from an earlier revision is lost. */
  compact(revision: number): void;
}

interface HistoryEntry {
  readonly revision: number;
  readonly key: string;
  /** undefined for a delete */
  readonly value: string | undefined;
}

interface MemoryWatch {
  /** Changes at or before this revision are not reported (a watch may start in the future). */
  readonly afterRevision: number;
  readonly listener: DeploymentWatchListener;
  readonly queue: DeploymentChange[];
  scheduled: boolean;
  closed: boolean;
}

/** An empty in-memory Config DB, private to its caller. */
export function createMemoryConfigDb(): MemoryConfigDb {
  const values = new Map<string, { readonly value: string; readonly modRevision: number }>();
  let history: HistoryEntry[] = [];
  let revision = 0;
  /** The oldest revision still in the history (etcd's compact revision). */
  let compactedTo = 0;
  let closed = false;
  let stateWriteCalls = 0;
  const watches = new Set<MemoryWatch>();

  function ensureOpen(): void {
    if (closed) throw new Error('the memory Config DB is closed');
  }

  /** Applies writes as one revision and queues what the watches see of them. */
  function commit(writes: ReadonlyArray<{ readonly key: string; readonly value: string | undefined }>): number {
    revision++;
    for (const { key, value } of writes) {
      if (value === undefined) values.delete(key);
      else values.set(key, { value, modRevision: revision });
      const entry = { revision, key, value };
      history.push(entry);
      const change = changeOf(entry);
      if (change === undefined) continue;
      for (const watch of watches) if (revision > watch.afterRevision) enqueue(watch, [change]);
    }
    return revision;
  }

  function enqueue(watch: MemoryWatch, changes: readonly DeploymentChange[]): void {
    watch.queue.push(...changes);
    if (watch.scheduled) return;
    watch.scheduled = true;
    // Delivered after the writer returns, as a real backend would: a listener that writes gets
    // its own change later, never nested inside the current one.
    queueMicrotask(() => {
      watch.scheduled = false;
      while (!watch.closed && watch.queue.length > 0) watch.listener.change(watch.queue.shift() as DeploymentChange);
    });
  }

  /** A job label's registry entries as stored, by job id; damaged ones left out. */
  function registryOf(label: string): RegisteredJob[] {
    const range = registryKeyPrefix(label);
    const jobs: RegisteredJob[] = [];
    for (const [key, { value }] of values) {
      const jobId = key.startsWith(range) ? parseRegistryKey(key, label) : undefined;
      const job = jobId === undefined ? undefined : decodeRegisteredJob(jobId, value);
      if (job !== undefined) jobs.push(job);
    }
    return jobs.sort((a, b) => a.jobId - b.jobId);
  }

  const db: MemoryConfigDb = {
    get revision() {
      return revision;
    },

    get stateWriteCalls() {
      return stateWriteCalls;
    },

    async listDeployments(options: ListingOptions = {}): Promise<DeploymentListing> {
      ensureOpen();
      const states = new Map<string, DeploymentState>();
      for (const [key, { value }] of values) {
        const parsed = parseKey(key);
        const state = parsed?.isState ? decodeState(value) : undefined;
        if (parsed !== undefined && state !== undefined) states.set(parsed.deploymentId, state);
      }
      const deployments: DeploymentEntry[] = [];
      const invalid: InvalidDeployment[] = [];
      const present = new Set<string>();
      for (const key of [...values.keys()].sort()) {
        const parsed = parseKey(key);
        if (parsed === undefined || parsed.isState) continue;
        const stored = values.get(key);
        if (stored === undefined) continue;
        present.add(parsed.deploymentId);
        const decoded = decodeDeployment(parsed.deploymentId, stored.value, stored.modRevision);
        if (!decoded.ok) {
          invalid.push(decoded.invalid);
          continue;
        }
        const priorState = states.get(parsed.deploymentId);
        deployments.push(priorState === undefined ? decoded.deployment : { ...decoded.deployment, priorState });
      }
      const watermarkText = options.watermarkOf === undefined ? undefined : values.get(watermarkKey(options.watermarkOf))?.value;
      const watermark = watermarkText === undefined ? undefined : decodeWatermark(watermarkText);
      const registeredJobs = options.watermarkOf === undefined ? [] : registryOf(options.watermarkOf);
      return assembleListing({ revision, deployments, invalid, states, present, watermark, registeredJobs });
    },

    async watchDeployments(afterRevision: number, listener: DeploymentWatchListener): Promise<DeploymentWatch> {
      ensureOpen();
      const watch: MemoryWatch = { afterRevision, listener, queue: [], scheduled: false, closed: false };
      const close = async (): Promise<void> => {
        watch.closed = true;
        watches.delete(watch);
      };
      if (afterRevision + 1 < compactedTo) {
        const reason = `revision ${afterRevision + 1} has been compacted (history starts at ${compactedTo})`;
        queueMicrotask(() => {
          if (!watch.closed) listener.lost(reason);
          watch.closed = true;
        });
        return { close };
      }
      const replay = history.filter((e) => e.revision > afterRevision).map(changeOf);
      enqueue(watch, replay.filter((c): c is DeploymentChange => c !== undefined));
      watches.add(watch);
      return { close };
    },

    async writeState(id: string, state: DeploymentState): Promise<StateWriteResult> {
      ensureOpen();
      stateWriteCalls++;
      if (!values.has(deploymentKey(id))) return 'deployment-missing';
      commit([{ key: stateKey(id), value: encodeState(state) }]);
      return 'written';
    },

    async writeStates(writes: readonly StateWrite[]): Promise<StateWriteResult[]> {
      ensureOpen();
      stateWriteCalls++;
      // As etcd's transaction: every condition is read before any write, all writes in one revision.
      const results = writes.map(({ id }): StateWriteResult => (values.has(deploymentKey(id)) ? 'written' : 'deployment-missing'));
      const applied = writes.filter((_, i) => results[i] === 'written').map(({ id, state }) => ({ key: stateKey(id), value: encodeState(state) }));
      if (applied.length > 0) commit(applied);
      return results;
    },

    async deleteState(id: string): Promise<StateDeleteResult> {
      ensureOpen();
      if (values.has(deploymentKey(id))) return 'deployment-exists';
      if (values.has(stateKey(id))) commit([{ key: stateKey(id), value: undefined }]);
      return 'deleted';
    },

    async writeWatermark(label: string, watermark: Watermark): Promise<void> {
      ensureOpen();
      commit([{ key: watermarkKey(label), value: encodeWatermark(watermark) }]);
    },

    async recordJobs(label: string, add: readonly RegisteredJob[], remove: readonly number[]): Promise<void> {
      ensureOpen();
      // As etcd's: one revision per transaction of (at most) 100 writes.
      for (const batch of registryBatches(add, remove, 100)) {
        commit(batch.map((op) => ('put' in op ? { key: registryKey(label, op.put.jobId), value: encodeRegisteredJob(op.put) } : { key: registryKey(label, op.remove), value: undefined })));
      }
    },

    async close(): Promise<void> {
      closed = true;
      for (const watch of watches) watch.closed = true;
      watches.clear();
    },

    putDeployment(id: string, value: unknown): number {
      ensureOpen();
      const text = JSON.stringify(value, sortedKeys, 2) as string | undefined;
      if (text === undefined) throw new Error('a deployment value must be representable as JSON');
      return commit([{ key: deploymentKey(id), value: text }]);
    },

    putRaw(key: string, text: string): number {
      ensureOpen();
      return commit([{ key, value: text }]);
    },

    deleteDeployment(id: string): boolean {
      ensureOpen();
      const own = deploymentKey(id);
      // Its children live one level or more down: `3/deploy/<id>/state`, `3/deploy/<id>/owner`...
      const childPrefix = `${statesKeyPrefix()}${id}/`;
      const keys = [...values.keys()].filter((k) => k === own || k.startsWith(childPrefix));
      if (keys.length === 0) return false;
      commit(keys.map((key) => ({ key, value: undefined })));
      return true;
    },

    getState(id: string): DeploymentState | undefined {
      const stored = values.get(stateKey(id));
      return stored === undefined ? undefined : decodeState(stored.value);
    },

    getRaw(key: string): string | undefined {
      return values.get(key)?.value;
    },

    compact(to: number): void {
      ensureOpen();
      if (to > revision) throw new Error(`cannot compact to revision ${to}: the current revision is ${revision}`);
      compactedTo = Math.max(compactedTo, to);
      history = history.filter((e) => e.revision >= compactedTo);
    },
  };
  return db;
}

/** What a watch of the deployments range (`2/deploy/`) reports of one history entry. */
function changeOf(entry: HistoryEntry): DeploymentChange | undefined {
  if (!entry.key.startsWith(deploymentsKeyPrefix())) return undefined;
  const parsed = parseKey(entry.key);
  if (parsed === undefined || parsed.isState) return undefined;
  if (entry.value === undefined) return { type: 'deleted', id: parsed.deploymentId, revision: entry.revision };
  const decoded = decodeDeployment(parsed.deploymentId, entry.value, entry.revision);
  return decoded.ok ? { type: 'put', deployment: decoded.deployment } : { type: 'invalid', invalid: decoded.invalid };
}

/** ska-sdp-config writes values with `sort_keys=True`. */
function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]]));
}
