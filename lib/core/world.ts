// The reducer's model of the world: one slot per deployment id, in persistent maps (sorted-btree,
// cloned in O(1) and copied on write), so that a step costs what it touches, not what is known.
// Worlds are values: a step never changes the world it was given. world-json.ts turns one into
// plain JSON and back.

import type { Deployment, UnknownOutcome } from './deployment.js';
import type { InFlightSubmit, RegisteredJob } from './persisted.js';
import type { ReducerSettings } from './settings.js';
import type { SlurmJob } from './slurm-job.js';
import type { StrayJob } from './stray-job.js';
import { byDue, byNumber, byPair, byString, frozenSortedMap, type Compare, type SortedMap } from './sorted-map.js';

// The layers above import these from here, as they did before the types had files of their own.
export type { ReducerSettings, UnmatchedLookupSettings, WatermarkSettings } from './settings.js';
export type { InFlightSubmit, RegisteredJob, Watermark } from './persisted.js';

/**
 * A submit still outstanding for a spec the deployment no longer has (its args changed, or it was
 * deleted): answered, or told by a poll, its job (if any) is a stray. It holds back the next submit.
 */
export interface LeftoverSubmit {
  readonly submitId: string;
  /** The highest job id seen before it was sent. */
  readonly floor: number;
  /** Set when its outcome is unknown. */
  readonly unknown?: UnknownOutcome;
}

/** The state of a deleted deployment, to be removed once its job has ended; after a failed removal, not before `notBefore`. */
export interface StateRemoval {
  readonly attempt: number;
  readonly notBefore: number;
}

/**
 * What of the slot's state in the Config DB is in flight (state-lane.ts): nothing, a write, or a
 * removal. The next waits for its answer, so that they land in the order they were decided.
 */
export type StateLane = 'idle' | 'writing' | 'deleting';

/** Everything known under one deployment id; it outlives the deployment while anything is pending. */
export interface Slot {
  readonly id: string;
  readonly deployment?: Deployment;
  readonly leftover?: LeftoverSubmit;
  /** Jobs of this id to cancel, by job id ascending; the next submit waits until they ended. */
  readonly strays: readonly StrayJob[];
  readonly stateLane: StateLane;
  readonly removal?: StateRemoval;
  /** When the slot is to be decided again by time (its entry in `World.timers`). */
  readonly wakeAt?: number;
  /** When the slot is to be decided again by a poll (its entry in `World.pollWaits`). */
  readonly wakePoll?: number;
  /** Its place in the queue of submits waiting for the watermark to name them (`World.submitQueue`). */
  readonly queued?: number;
}

/** What the world knows of Slurm's job ids, for the watermark and discovery. */
export interface JobIds {
  /** The highest job id any answer showed (a poll of all states shows the cluster's). */
  readonly highestSeen: number;
  /** The floor persisted (read at listing, or last written); undefined: none known. */
  readonly floor?: number;
  /** Whether the stop before this term was clean (the listed watermark said so). */
  readonly cleanStart: boolean;
  /** A watermark write is in flight. */
  readonly writing: boolean;
  /** This term has written its own watermark (a crash from now on is not a clean stop). */
  readonly termWritten: boolean;
  /** When the last write was issued (ms); after a failed write, not again before `retryAt`. */
  readonly writtenAt?: number;
  readonly retryAt?: number;
  readonly attempt: number;
  /**
   * The persisted watermark may say clean (this term wrote it clean, and no unclean write was
   * acknowledged since): no submit is sent until an unclean one is (WatermarkSettings.cleanAtRest).
   */
  readonly cleanWritten?: boolean;
  /** The slots that would submit and wait for that unclean write, in the order they asked. */
  readonly submitWaiters?: readonly string[];
  /**
   * With `inFlightCap` (in-flight.ts): the submits the watermark as last acknowledged names; the
   * queued submits the write in flight names besides; the submits acknowledged and not sent yet
   * (each lets its deployment send one submit of that identity); and, from the listing until
   * the clock is known, the entries the last term left.
   */
  readonly inFlight?: readonly InFlightSubmit[];
  readonly admitting?: readonly InFlightSubmit[];
  readonly admitted?: readonly InFlightSubmit[];
  readonly inherited?: readonly InFlightSubmit[];
  /** The next place in the queue of submits waiting to be named (`Slot.queued`). */
  readonly queueSeq?: number;
}

/** The writes of the job registry: one recordJobs in flight at a time; after a failure, not again before `retryAt`. */
export interface RegistryWrites {
  readonly writing: boolean;
  readonly attempt: number;
  readonly retryAt?: number;
}

/** Keys [due, slot id]: ordered by due first. */
export type DueKey = readonly [number, string];
/** Pairs [id, id]: by the first, then the second. */
export type PairKey = readonly [string, string];

/** The reducer's state: a value (a step never changes the world it is given), in persistent maps. Embedders pass it along and read what the documented fields say; the types inside its maps are private and change without notice. */
export interface World {
  /** Milliseconds since the epoch, as told by the last tick; meaningful once `clockStarted`. */
  readonly now: number;
  /** A tick has come: `now` means something. */
  readonly clockStarted: boolean;
  /** The Config DB was listed (configListed): the deployments are known. */
  readonly listed: boolean;
  /** The id the next poll gets. */
  readonly nextPollId: number;
  /** The id of the poll issued and not answered yet, if any. */
  readonly pollInFlight?: number;
  /** What the poll in flight asks (state polls): the ids followed, and whether it discovers above a floor. */
  readonly pollScope?: PollScope;
  /** When the last poll was issued (ms since the epoch). */
  readonly lastPollAt?: number;
  /** When the last poll of every job's state (or full list) was issued. */
  readonly lastAllAt?: number;
  /**
   * The latest complete poll applied: a full list, or a state poll that discovered every labelled
   * job above the floor. Decisions wait for the first; unknown outcomes are told by one.
   */
  readonly lastCompletePollId?: number;
  /**
   * A term after a stop that was not clean waits `ms` before its first poll (WatermarkSettings),
   * counted from the first tick after the listing: `until`.
   */
  readonly hold?: { readonly ms: number; readonly until?: number };
  /** What the deployer knows of job ids: the highest seen, the watermark and its writes. */
  readonly jobIds: JobIds;
  /** The job registry's writes in flight and their retries. */
  readonly registryWrites: RegistryWrites;
  /** The id of the latest poll applied; undefined before the first answered. */
  readonly lastPollId?: number;
  /** That poll's jobs as the event brought them: a poll of the very same objects changed nothing. */
  readonly lastPollJobs?: readonly SlurmJob[];
  /** A poll failed before any succeeded: states are written for what needs no Slurm (new and invalid deployments). */
  readonly slurmSilentAtStart?: boolean;
  /** One slot per deployment id known: the deployment, its job, a stray to cancel, a state to remove. */
  readonly slots: SortedMap<string, Slot>;
  /** The jobs with our label seen by the latest successful poll, by job id. */
  readonly polled: SortedMap<number, SlurmJob>;
  /** The same jobs by the deployment id they claim (their identity, else their name). */
  readonly polledByClaim: SortedMap<string, readonly number[]>;
  /**
   * Jobs looked up by id, with the id the next poll had when the answer came: a poll of a lower id
   * was issued before it, and what it says of the job (or its absence) is older than the lookup.
   * Dropped once a poll issued after it is applied.
   */
  readonly lookedUp: SortedMap<number, number>;
  /** The job each deployment follows: job id -> deployment id. */
  readonly tracked: SortedMap<number, string>;
  /** Strays: job id -> the slot that cancels it. */
  readonly strayOwners: SortedMap<number, string>;
  /** When a slot is to be decided again (a retry, a settle time), by [due, slot id]. */
  readonly timers: SortedMap<DueKey, true>;
  /** Slots waiting for a poll issued after a fact of theirs, by [poll id, slot id]. */
  readonly pollWaits: SortedMap<DueKey, true>;
  /** The jobs whose states a state poll asks for: job id -> the slot that follows or cancels it. */
  readonly following: SortedMap<number, string>;
  /** By [hold, slot id]: the job-id floor may not rise above `hold` while the slot has it (floorHoldOf). */
  readonly floorHolds: SortedMap<DueKey, true>;
  /** By [floor, slot id]: slots with a submit of unknown outcome, whose job a discovery above `floor` would find. */
  readonly discoveries: SortedMap<DueKey, true>;
  /** By [place, slot id]: slots whose submit waits for the watermark to name it, first come first named (in-flight.ts). */
  readonly submitQueue: SortedMap<DueKey, true>;
  /** The job registry as stored (read at the term's listing, then as its writes were answered): job id -> entry. */
  readonly registry: SortedMap<number, RegisteredJob>;
  /**
   * Job ids whose registry entry may differ from what the world wants stored (registry-sync.ts),
   * with whether a key may be stored that `registry` does not hold (a write that failed may have landed).
   */
  readonly registryDue: SortedMap<number, boolean>;
  /**
   * By [dependency id, dependent id]: the deployments that have no job yet and name others (args.after_ok
   * and the like), by the ids they name; a change of what those show decides them again.
   */
  readonly dependents: SortedMap<PairKey, true>;
  /** How many deployments are FAILED for an internal error (health reports them). */
  readonly faulted: number;
}

/** How each map of the world orders its keys. */
export const WORLD_MAP_ORDER = {
  slots: byString,
  polled: byNumber,
  polledByClaim: byString,
  lookedUp: byNumber,
  tracked: byNumber,
  strayOwners: byNumber,
  timers: byDue,
  pollWaits: byDue,
  following: byNumber,
  floorHolds: byDue,
  discoveries: byDue,
  submitQueue: byDue,
  registry: byNumber,
  registryDue: byNumber,
  dependents: byPair,
} as const satisfies { readonly [K in WorldMapName]: Compare<MapKey<World[K]>> };

/** The names of the world's persistent maps: every key of World that holds a SortedMap. */
export type WorldMapName = { readonly [K in keyof World]-?: World[K] extends SortedMap<infer _K, infer _V> ? K : never }[keyof World];

/** What a state poll in flight asks. */
export interface PollScope {
  readonly jobIds: readonly number[];
  /** Every labelled job above this id is in the answer (a discovery); absent: only `jobIds`. */
  readonly discoverAbove?: number;
}
type MapKey<T> = T extends SortedMap<infer K, unknown> ? K : never;

/** The world before any event: where a run (and each leadership term) starts. */
export const initialWorld: World = {
  now: 0,
  clockStarted: false,
  listed: false,
  nextPollId: 1,
  slots: frozenSortedMap<string, Slot>(WORLD_MAP_ORDER.slots),
  polled: frozenSortedMap<number, SlurmJob>(WORLD_MAP_ORDER.polled),
  polledByClaim: frozenSortedMap<string, readonly number[]>(WORLD_MAP_ORDER.polledByClaim),
  lookedUp: frozenSortedMap<number, number>(WORLD_MAP_ORDER.lookedUp),
  tracked: frozenSortedMap<number, string>(WORLD_MAP_ORDER.tracked),
  strayOwners: frozenSortedMap<number, string>(WORLD_MAP_ORDER.strayOwners),
  timers: frozenSortedMap<DueKey, true>(WORLD_MAP_ORDER.timers),
  pollWaits: frozenSortedMap<DueKey, true>(WORLD_MAP_ORDER.pollWaits),
  following: frozenSortedMap<number, string>(WORLD_MAP_ORDER.following),
  floorHolds: frozenSortedMap<DueKey, true>(WORLD_MAP_ORDER.floorHolds),
  discoveries: frozenSortedMap<DueKey, true>(WORLD_MAP_ORDER.discoveries),
  submitQueue: frozenSortedMap<DueKey, true>(WORLD_MAP_ORDER.submitQueue),
  registry: frozenSortedMap<number, RegisteredJob>(WORLD_MAP_ORDER.registry),
  registryDue: frozenSortedMap<number, boolean>(WORLD_MAP_ORDER.registryDue),
  dependents: frozenSortedMap<PairKey, true>(WORLD_MAP_ORDER.dependents),
  jobIds: { highestSeen: 0, cleanStart: false, writing: false, termWritten: false, attempt: 0 },
  registryWrites: { writing: false, attempt: 0 },
  faulted: 0,
};

/**
 * No decision is taken before the Config DB was listed and one complete poll of Slurm was applied
 * (and, with a watermark, before this term's own watermark was written: a crash from then on is
 * known not to be a clean stop).
 */
export function isReady(world: World, settings?: ReducerSettings): boolean {
  const watermarked = settings?.watermark === undefined || world.jobIds.termWritten;
  return world.listed && world.lastCompletePollId !== undefined && watermarked;
}

export function slotOf(world: World, id: string): Slot | undefined {
  return world.slots.get(id);
}

/** The deployments known, in id order, with the state last written for each. */
export function* deploymentsOf(world: World): Generator<{ readonly id: string; readonly deployment: Deployment }> {
  for (const [id, slot] of world.slots.entries()) if (slot.deployment !== undefined) yield { id, deployment: slot.deployment };
}

/** Every slot's strays, in id order (for tests and the status of a run). */
export function* straysOf(world: World): Generator<{ readonly id: string; readonly stray: StrayJob }> {
  for (const [id, slot] of world.slots.entries()) for (const stray of slot.strays) yield { id, stray };
}

/** The deleted deployments whose state is still to be removed. */
export function* removalsOf(world: World): Generator<string> {
  for (const [id, slot] of world.slots.entries()) if (slot.removal !== undefined) yield id;
}

/** The deployments FAILED for an internal error, with the reason; nothing to look through when none is. */
export function faultedOf(world: World): { readonly id: string; readonly reason: string }[] {
  if (world.faulted === 0) return [];
  const found: { id: string; reason: string }[] = [];
  for (const [id, slot] of world.slots.entries()) {
    const phase = slot.deployment?.phase;
    if (phase?.kind === 'faulted') found.push({ id, reason: phase.reason });
  }
  return found;
}

