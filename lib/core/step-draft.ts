// One step's working copy of the world. Each persistent map is cloned (O(1)) the first time the
// step changes it and frozen again when the step ends, so the world a step was given never
// changes. Putting a slot keeps the indexes beside it (tracked jobs, stray owners, timers, poll
// waits, the registry entries due) in line and marks the slot to be decided again.

import { claimOf } from './job-claim.js';
import { registeredJobsOf } from './job-registry.js';
import type { SlurmJob } from './slurm-job.js';
import { discoveryFloorOf, floorHoldOf, followedJobsOf, isIdleSlot, trackedJobOf, wakePollOf, wakeTimeOf } from './slot.js';
import type { SortedMap } from './sorted-map.js';
import { awaitsDependencies, dependencyViewKey } from './dependency-gate.js';
import { dependencyIdsOf } from './dependencies.js';
import type { Deployment } from './deployment.js';
import type { DueKey, Slot, World, WorldMapName } from './world.js';

type TreeName = WorldMapName;
type Scalars = Omit<World, TreeName>;
type Trees = Pick<World, TreeName>;

export class StepDraft {
  scalars: { -readonly [K in keyof Scalars]: Scalars[K] };
  readonly #trees: { -readonly [K in TreeName]: Trees[K] };
  readonly #cloned = new Set<TreeName>();
  /** Slots to decide again before the step ends. */
  readonly dirty = new Set<string>();
  /** The slot last read or put: a slot is read and then put, often twice a step, by id. */
  #recentId: string | undefined;
  #recentSlot: Slot | undefined;
  /** With a job registry (job-registry.ts): whether it holds a job, as stored; undefined without one. */
  readonly #registered: ((jobId: number) => boolean) | undefined;

  constructor(world: World, options: { readonly registry?: boolean } = {}) {
    const { slots, polled, polledByClaim, lookedUp, tracked, strayOwners, timers, pollWaits, following, floorHolds, discoveries, submitQueue, registry, registryDue, dependents, ...scalars } = world;
    this.scalars = { ...scalars };
    this.#trees = { slots, polled, polledByClaim, lookedUp, tracked, strayOwners, timers, pollWaits, following, floorHolds, discoveries, submitQueue, registry, registryDue, dependents };
    this.#registered = options.registry === true ? (jobId) => this.#trees.registry.has(jobId) : undefined;
  }

  /** A map to read. */
  read<K extends TreeName>(name: K): Trees[K] {
    return this.#trees[name];
  }

  /** A map to change: this step's own clone. */
  write<K extends TreeName>(name: K): Trees[K] {
    if (!this.#cloned.has(name)) {
      this.#trees[name] = this.#trees[name].clone() as Trees[K];
      this.#cloned.add(name);
    }
    return this.#trees[name];
  }

  get lastPollId(): number {
    return this.scalars.lastPollId ?? 0;
  }

  slot(id: string): Slot | undefined {
    if (id !== this.#recentId) {
      this.#recentId = id;
      this.#recentSlot = this.#trees.slots.get(id);
    }
    return this.#recentSlot;
  }

  polledJob(jobId: number): SlurmJob | undefined {
    return this.#trees.polled.get(jobId);
  }

  /** The jobs of the latest poll that claim this deployment id. */
  claiming(id: string): SlurmJob[] {
    const jobs: SlurmJob[] = [];
    for (const jobId of this.#trees.polledByClaim.get(id) ?? []) {
      const job = this.#trees.polled.get(jobId);
      if (job !== undefined) jobs.push(job);
    }
    return jobs;
  }

  trackedBy(jobId: number): string | undefined {
    return this.#trees.tracked.get(jobId);
  }

  /** Stores a slot (dropping it once nothing is pending), keeps the indexes, marks it dirty. */
  putSlot(next: Slot, markDirty = true): void {
    const previous = this.slot(next.id);
    const wakeAt = wakeTimeOf(next, this.scalars.now);
    const wakePoll = wakePollOf(next, this.lastPollId);
    const unchanged = next === previous && wakeAt === next.wakeAt && wakePoll === next.wakePoll;
    const indexed = unchanged ? next : storedSlot(next, previous, wakeAt, wakePoll);
    this.scalars.faulted += Number(isFaulted(indexed)) - Number(isFaulted(previous));
    this.#reindexJobs(previous, indexed);
    this.#reindexWakes(previous, indexed);
    this.#reindexFollowing(previous, indexed);
    this.#reindexRegistry(previous, indexed);
    this.#reindexMark('floorHolds', previous, indexed, (slot) => floorHoldOf(slot, this.#registered));
    this.#reindexMark('discoveries', previous, indexed, discoveryFloorOf);
    this.#reindexMark('submitQueue', previous, indexed, (slot) => slot.queued);
    const kept = isIdleSlot(indexed) ? undefined : indexed;
    if (previous?.deployment !== kept?.deployment) this.#dependenciesChanged(next.id, previous?.deployment, kept?.deployment);
    if (kept === undefined) {
      if (previous !== undefined) this.write('slots').delete(next.id);
    } else if (previous !== kept) {
      this.write('slots').set(next.id, kept);
    }
    this.#recentId = next.id;
    this.#recentSlot = kept;
    if (markDirty) this.dirty.add(next.id);
  }

  /**
   * Keeps the index of who awaits whom (dependency-gate.ts), and marks the deployments awaiting
   * this one to be decided again when what they see of it changed (it got a job, failed, went).
   */
  #dependenciesChanged(id: string, before: Deployment | undefined, after: Deployment | undefined): void {
    const [awaited, awaits] = [awaitsDependencies(before), awaitsDependencies(after)];
    if (awaited || awaits) {
      const had = awaited ? dependencyIdsOf(before?.desired.args) : [];
      const has = awaits ? dependencyIdsOf(after?.desired.args) : [];
      for (const dep of had) if (!has.includes(dep)) this.write('dependents').delete([dep, id]);
      for (const dep of has) if (!had.includes(dep)) this.write('dependents').set([dep, id], true);
    }
    // Most worlds have no deployment that waits for another: nothing to look up.
    if (this.read('dependents').size === 0) return;
    const awaiting: string[] = [];
    for (const [dep, dependent] of this.read('dependents').keys([id, ''])) {
      if (dep !== id) break;
      awaiting.push(dependent);
    }
    if (awaiting.length === 0 || dependencyViewKey(before) === dependencyViewKey(after)) return;
    for (const dependent of awaiting) this.dirty.add(dependent);
  }

  /** Slots due by time at `now`, and their timer entries taken out. */
  takeDueTimers(now: number): string[] {
    return this.#takeDue('timers', now);
  }

  /** Slots that waited for a poll up to `pollId`, and their entries taken out. */
  takeDuePollWaits(pollId: number): string[] {
    return this.#takeDue('pollWaits', pollId);
  }

  finish(): World {
    for (const name of this.#cloned) this.#trees[name].freeze();
    return { ...this.scalars, ...this.#trees };
  }

  #takeDue(name: 'timers' | 'pollWaits', upTo: number): string[] {
    const tree: SortedMap<DueKey, true> = this.read(name);
    const first = tree.minKey();
    if (first === undefined || first[0] > upTo) return [];
    const due: DueKey[] = [];
    for (const key of tree.keys()) {
      if (key[0] > upTo) break;
      due.push(key);
    }
    const writable = this.write(name);
    for (const key of due) writable.delete(key);
    // The slots keep their wake marks until they are put again, which sets them anew.
    return due.map((key) => key[1]);
  }

  #reindexWakes(previous: Slot | undefined, next: Slot): void {
    const id = next.id;
    const gone = isIdleSlot(next);
    const newAt = gone ? undefined : next.wakeAt;
    const newPoll = gone ? undefined : next.wakePoll;
    if (previous?.wakeAt !== newAt) {
      if (previous?.wakeAt !== undefined) this.write('timers').delete([previous.wakeAt, id]);
      if (newAt !== undefined) this.write('timers').set([newAt, id], true);
    }
    if (previous?.wakePoll !== newPoll) {
      if (previous?.wakePoll !== undefined) this.write('pollWaits').delete([previous.wakePoll, id]);
      if (newPoll !== undefined) this.write('pollWaits').set([newPoll, id], true);
    }
  }

  /** The jobs state polls ask for: each slot's own until it ended, and its strays. */
  #reindexFollowing(previous: Slot | undefined, next: Slot): void {
    if (previous?.deployment === next.deployment && previous?.strays === next.strays) return;
    const had = followedJobsOf(previous);
    const has = isIdleSlot(next) ? [] : followedJobsOf(next);
    if (had.length === 0 && has.length === 0) return;
    for (const jobId of had) if (!has.includes(jobId) && this.read('following').get(jobId) === next.id) this.write('following').delete(jobId);
    for (const jobId of has) if (this.read('following').get(jobId) !== next.id) this.write('following').set(jobId, next.id);
  }

  /** The jobs whose registry entries the slot wants changed are due to be compared with what is stored. */
  #reindexRegistry(previous: Slot | undefined, next: Slot): void {
    if (this.#registered === undefined) return;
    if (previous?.deployment === next.deployment && previous?.strays === next.strays && previous?.stateLane === next.stateLane) return;
    const had = registeredJobsOf(previous);
    const has = isIdleSlot(next) ? [] : registeredJobsOf(next);
    if (had.length === 0 && has.length === 0) return;
    for (const jobId of had) if (!has.includes(jobId)) this.#registryDue(jobId);
    for (const jobId of has) if (!had.includes(jobId)) this.#registryDue(jobId);
  }

  #registryDue(jobId: number): void {
    if (!this.read('registryDue').has(jobId)) this.write('registryDue').set(jobId, false);
  }

  /**
   * Changes the registry as stored (`change` writes the 'registry' map): the floor holds of the
   * slots that have these jobs follow, as they depend on it (slot.ts floorHoldOf).
   */
  changeRegistry(jobIds: readonly number[], change: () => void): void {
    const owners = new Set<string>();
    for (const jobId of jobIds) {
      const owner = this.trackedBy(jobId) ?? this.read('strayOwners').get(jobId);
      if (owner !== undefined) owners.add(owner);
    }
    const holds = (id: string) => {
      const slot = this.slot(id);
      return slot === undefined || isIdleSlot(slot) ? undefined : floorHoldOf(slot, this.#registered);
    };
    const before = [...owners].map((id) => [id, holds(id)] as const);
    change();
    for (const [id, hold] of before) {
      const after = holds(id);
      if (hold === after) continue;
      if (hold !== undefined) this.write('floorHolds').delete([hold, id]);
      if (after !== undefined) this.write('floorHolds').set([after, id], true);
    }
  }

  /** A per-slot mark kept as a [value, id] index (the floor holds, the discoveries wanted, the submit queue). */
  #reindexMark(name: 'floorHolds' | 'discoveries' | 'submitQueue', previous: Slot | undefined, next: Slot, markOf: (slot: Slot) => number | undefined): void {
    const before = previous === undefined ? undefined : markOf(previous);
    const after = isIdleSlot(next) ? undefined : markOf(next);
    if (before === after) return;
    if (before !== undefined) this.write(name).delete([before, next.id]);
    if (after !== undefined) this.write(name).set([after, next.id], true);
  }

  /** The lowest value of a [value, id] index, if any. */
  lowestMark(name: 'floorHolds' | 'discoveries'): number | undefined {
    return this.read(name).minKey()?.[0];
  }

  #reindexJobs(previous: Slot | undefined, next: Slot): void {
    const id = next.id;
    const before = trackedJobOf(previous)?.jobId;
    const after = trackedJobOf(next)?.jobId;
    if (before !== after) {
      if (before !== undefined && this.trackedBy(before) === id) this.#release(before);
      if (after !== undefined) this.write('tracked').set(after, id);
    }
    if ((previous?.strays.length ?? 0) === 0 && next.strays.length === 0) return;
    if (previous?.strays === next.strays) return;
    const strayIds = (slot: Slot | undefined) => new Set((slot?.strays ?? []).map((s) => s.jobId));
    const [had, has] = [strayIds(previous), strayIds(next)];
    for (const jobId of had) if (!has.has(jobId) && this.read('strayOwners').get(jobId) === id) this.write('strayOwners').delete(jobId);
    for (const jobId of has) if (!had.has(jobId)) this.write('strayOwners').set(jobId, id);
  }

  /** A job nobody follows any more: the deployment it claims may adopt it, or see it as a stray. */
  #release(jobId: number): void {
    this.write('tracked').delete(jobId);
    const seen = this.polledJob(jobId);
    if (seen !== undefined) this.dirty.add(claimOf(seen).deploymentId);
  }
}

function isFaulted(slot: Slot | undefined): boolean {
  return slot?.deployment?.phase.kind === 'faulted';
}

/**
 * The slot as the world keeps it, with when it wakes: built as one literal of fixed shape. Objects made by spreading
 * others can each get a hidden class of their own in V8 (a megamorphic object-spread site), which
 * cost about 700 bytes a deployment at 100,000.
 */
function storedSlot(slot: Slot, previous: Slot | undefined, wakeAt: number | undefined, wakePoll: number | undefined): Slot {
  const d = slot.deployment;
  const deployment =
    d === undefined || d === previous?.deployment
      ? d
      : { desired: d.desired, generation: d.generation, phase: d.phase, retry: d.retry, duplicates: d.duplicates, written: d.written, writeRetry: d.writeRetry };
  return {
    id: slot.id,
    deployment,
    leftover: slot.leftover,
    strays: slot.strays,
    stateLane: slot.stateLane,
    removal: slot.removal,
    wakeAt,
    wakePoll,
    queued: slot.queued,
  };
}

