// The reducer's model of the world: one slot per deployment id, in persistent maps (sorted-btree,
// cloned in O(1) and copied on write), so that a step costs what it touches, not what is known.
// Worlds are values: a step never changes the world it was given. world-json.ts turns one into
// plain JSON and back.

import type { BackoffSettings } from './backoff.js';
import type { CancelReason } from './commands.js';
import type { DeploymentState } from './deployment-state.js';
import type { SlurmArgs } from './deployment-args.js';
import type { JobSettings } from './job-builder.js';
import type { SlurmJob } from './slurm-job.js';
import { byDue, byNumber, byPair, byString, frozenSortedMap, type Compare, type SortedMap } from './sorted-map.js';

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

/**
 * What the deployer persists beside the deployments (`/slurm-deployer/watermark/<label>`): every job
 * it created whose id no state records has an id above `floor`; `clean` when the last leader
 * stopped with nothing in flight, or wrote it while it had none and would not submit again before
 * writing it unclean.
 */
export interface Watermark {
  /** Every job of the deployer whose id no state records has an id above this. */
  readonly floor: number;
  /** The last leader stopped (or rested) with nothing in flight: a new term need not wait for its submits. */
  readonly clean: boolean;
  /**
   * The submits the leader may have sent and not seen answered (nor proven to have made no job):
   * each is written here before it is sent. Absent: a watermark of an older version, which says
   * nothing of them (a new term after an unclean stop then holds its first poll).
   */
  readonly inFlight?: readonly InFlightSubmit[];
}

/** A submit that may be inside slurmrestd: of this deployment, with this identity. */
export interface InFlightSubmit {
  /** The deployment the submit was for. */
  readonly deployment: string;
  /** The identity of that submit (JobIdentity.submitId). */
  readonly submitId: string;
  /**
   * After this time (ms since the epoch) it can make no job any more; absent: it was in flight
   * when its leader stopped, and the next term counts its takeover hold from its own start.
   */
  readonly settleAt?: number;
}

/**
 * A job of the deployer's registry (`/slurm-deployer/jobs/<label>/<jobId>`, job-registry.ts): the
 * deployment it serves and what the deployer knows of its identity (the comment it carries, or '').
 */
export interface RegisteredJob {
  /** Slurm's job id. */
  readonly jobId: number;
  /** The deployment the job serves. */
  readonly deployment: string;
  /** The job's identity as it carries it in its comment, or '' when unknown. */
  readonly comment: string;
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
  /** Submitted; `floor` is the highest job id seen before: its job's id is above it. */
  | { readonly kind: 'submitting'; readonly submitId: string; readonly floor: number }
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

/** A labelled, active job that no deployment claims: a removed deployment's, or a duplicate. */
export interface StrayJob {
  readonly jobId: number;
  readonly why: CancelReason;
  readonly cancelling: boolean;
  readonly attempt: number;
  /** After a failed cancel: not again before this time (ms). */
  readonly notBefore: number;
  /** After a cancel: ask again only if a poll with this id or later still shows the job active. */
  readonly confirmByPollId?: number;
  /** Polls with this id or later can prove the job gone. */
  readonly provableFromPollId: number;
  /**
   * After a cancel: Slurm is asked for the job (a lookup by id) at `at`, and again with a short
   * backoff while it is still active, so that what waits for its end waits no poll interval.
   */
  readonly confirm?: { readonly attempt: number; readonly at: number; readonly looking: boolean };
}

/** The state of a deleted deployment, to be removed once its job has ended. */
export interface StateRemoval {
  readonly attempt: number;
  readonly notBefore: number;
}

/** Everything known under one deployment id; it outlives the deployment while anything is pending. */
export interface Slot {
  readonly id: string;
  readonly deployment?: Deployment;
  readonly leftover?: LeftoverSubmit;
  /** Jobs of this id to cancel, by job id ascending; the next submit waits until they ended. */
  readonly strays: readonly StrayJob[];
  /** A state write or removal is in flight: the next waits for its answer, so writes land in order. */
  readonly writing: boolean;
  readonly removal?: StateRemoval & { readonly deleting: boolean };
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

export type WorldMapName =
  | 'slots'
  | 'polled'
  | 'polledByClaim'
  | 'tracked'
  | 'strayOwners'
  | 'timers'
  | 'pollWaits'
  | 'following'
  | 'floorHolds'
  | 'discoveries'
  | 'submitQueue'
  | 'registry'
  | 'registryDue'
  | 'dependents';

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

