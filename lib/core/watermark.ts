// The job-id watermark. Slurm numbers jobs upwards, so "every job this deployer created that no
// state in the Config DB records has an id above `floor`" lets a new term find such jobs (a
// submit answered just before a crash, a stray not yet cancelled) by looking only at the ids
// above the floor, rather than reading the whole cluster. The floor is persisted beside the
// deployments, with whether the last term stopped clean. Pure: the Config DB sink writes it.

import { backoffDelay } from './backoff.js';
import type { Command } from './commands.js';
import { registryOn } from './job-registry.js';
import type { StepDraft } from './step-draft.js';
import { isReady, type ReducerSettings, type Watermark, type World } from './world.js';

/** Any answer that shows a job id raises the highest seen: a submit from now on gets a higher one. */
export function sawJobId(draft: StepDraft, jobId: number): void {
  const ids = draft.scalars.jobIds;
  if (jobId > ids.highestSeen) draft.scalars.jobIds = { ...ids, highestSeen: jobId };
}

/**
 * A job just created with an id at or below the floor: Slurm numbers jobs from the start again
 * (its state was reset, or MaxJobId wrapped). Every id seen before means nothing now: the floor
 * starts again below the new job, and is written so.
 */
export function submittedAt(draft: StepDraft, jobId: number): void {
  const ids = draft.scalars.jobIds;
  if (ids.floor !== undefined && jobId <= ids.floor) draft.scalars.jobIds = { ...ids, highestSeen: jobId, floor: 0 };
  else sawJobId(draft, jobId);
}

/**
 * A term's first listing: the watermark found. After a stop that was not clean, the term's first
 * poll waits `takeoverHoldMs`: the last leader may have had submits inside slurmrestd, for any
 * deployment, even one deleted since (whose job would then land unseen). Without any watermark (a
 * first start, or one after a version that kept none) it waits only if the listing shows something
 * a deployer may have been submitting for (`suspects`).
 */
export function watermarkListed(settings: ReducerSettings, draft: StepDraft, found: Watermark | undefined, suspects: boolean): void {
  const s = draft.scalars;
  const floor = found?.floor;
  s.jobIds = { highestSeen: Math.max(s.jobIds.highestSeen, floor ?? 0), floor, cleanStart: found?.clean === true, writing: false, termWritten: false, attempt: 0 };
  const hold = settings.watermark?.takeoverHoldMs;
  const unclean = found === undefined ? suspects : !found.clean;
  if (hold !== undefined && hold > 0 && unclean) s.hold = { ms: hold };
}

/** The floor this term may persist now: below every job and submit no state records. */
export function safeFloor(draft: StepDraft): number {
  const held = draft.lowestMark('floorHolds');
  const seen = draft.scalars.jobIds.highestSeen;
  return held === undefined || seen < held ? seen : held;
}

/** The watermark a step writes: the term's own at once, then a floor below a stray at once, a risen one at most every `everyMs`. */
export function watermarkCommands(settings: ReducerSettings, draft: StepDraft): Command[] {
  const every = settings.watermark?.everyMs;
  const s = draft.scalars;
  const ids = s.jobIds;
  if (every === undefined || !s.listed || ids.writing) return [];
  if (ids.retryAt !== undefined && (!s.clockStarted || s.now < ids.retryAt)) return [];
  let floor: number;
  if (!ids.termWritten) {
    // Before anything is decided: a crash from now on is not a clean stop, whatever was written before.
    floor = ids.floor ?? 0;
  } else {
    // Only a complete poll tells every job above the listed floor.
    if (!isReady(s as World, settings) || !s.clockStarted) return [];
    floor = safeFloor(draft);
    const persisted = ids.floor ?? 0;
    // A stray the persisted floor covers lost the state that recorded it (its deployment was
    // deleted, and the state with it; its args changed): the floor goes below it at once, so that
    // a crash before its cancel does not hide it from the next term. A risen floor waits `everyMs`.
    // With a job registry the stray's key tells the next term (registered at once, as a floor
    // would be written): the floor stays, and a new term does not look through every id above it.
    const stray = registryOn(settings) ? undefined : draft.read('strayOwners').minKey();
    const lower = stray !== undefined && stray <= persisted;
    if (!lower && (floor <= persisted || (ids.writtenAt !== undefined && s.now - ids.writtenAt < every))) return [];
  }
  s.jobIds = { ...ids, writing: true, writtenAt: s.clockStarted ? s.now : ids.writtenAt };
  return [{ type: 'writeWatermark', watermark: { floor, clean: false } }];
}

export function watermarkWritten(draft: StepDraft, watermark: Watermark): void {
  const s = draft.scalars;
  s.jobIds = { ...s.jobIds, floor: watermark.floor, writing: false, termWritten: true, attempt: 0, retryAt: undefined };
}

export function watermarkWriteFailed(settings: ReducerSettings, draft: StepDraft): void {
  const s = draft.scalars;
  const attempt = s.jobIds.attempt + 1;
  s.jobIds = { ...s.jobIds, writing: false, attempt, retryAt: s.now + backoffDelay(settings.backoff, 'watermark', attempt) };
}

/**
 * The watermark a term leaves when it stopped with every command answered: its floor, and clean
 * (the next term need not wait for submits inside slurmrestd) unless a submit of unknown outcome
 * may still land. Undefined when the term never wrote its own.
 */
export function watermarkAtStop(world: World): Watermark | undefined {
  if (!world.jobIds.termWritten) return undefined;
  const held = world.floorHolds.minKey()?.[0];
  const seen = world.jobIds.highestSeen;
  const complete = world.lastCompletePollId !== undefined;
  // Before a complete poll nothing above the listed floor is known: the floor stays where it was.
  const floor = complete ? (held === undefined || seen < held ? seen : held) : (world.jobIds.floor ?? 0);
  // Nor, before a complete poll, whether the submits the last term left inside slurmrestd have
  // landed: a term stopped in its hold leaves the next one the hold it had.
  return { floor, clean: world.discoveries.size === 0 && (complete || world.jobIds.cleanStart) };
}
