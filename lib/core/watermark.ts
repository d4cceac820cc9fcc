// The job-id watermark. Slurm numbers jobs upwards, so "every job this deployer created that no
// state in the Config DB records has an id above `floor`" lets a new term find such jobs (a
// submit answered just before a crash, a stray not yet cancelled) by looking only at the ids
// above the floor, rather than reading the whole cluster. The floor is persisted beside the
// deployments, with whether the last term stopped clean. Pure: the Config DB sink writes it.

import { backoffDelay } from './backoff.js';
import type { Command } from './commands.js';
import { inFlightOn, inFlightWrite, inheritInFlight, stillInFlight } from './in-flight.js';
import { registryOn } from './job-registry.js';
import type { StepDraft } from './step-draft.js';
import type { InFlightSubmit, Watermark } from './persisted.js';
import type { ReducerSettings } from './settings.js';
import { isReady, type World } from './world.js';

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
  // A watermark that names the submits in flight holds back only their deployments (in-flight.ts).
  if (inFlightOn(settings) && found?.inFlight !== undefined) {
    s.jobIds = { ...s.jobIds, inherited: found.inFlight };
    inheritInFlight(settings, draft);
    return;
  }
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

/**
 * The watermark a step writes: the term's own at once, then a floor below a stray at once, a risen
 * one at most every `everyMs`; with `cleanAtRest`, clean at once when the term comes to rest, and
 * unclean at once when a slot would submit after that.
 */
export function watermarkCommands(settings: ReducerSettings, draft: StepDraft): Command[] {
  const every = settings.watermark?.everyMs;
  const s = draft.scalars;
  const ids = s.jobIds;
  if (every === undefined || !s.listed || ids.writing) return [];
  if (ids.retryAt !== undefined && (!s.clockStarted || s.now < ids.retryAt)) return [];
  if (inFlightOn(settings)) return inFlightWatermarkCommands(settings, draft, every);
  let floor: number;
  let clean = false;
  if (!ids.termWritten) {
    // Before anything is decided: a crash from now on is not a clean stop, whatever was written before.
    floor = ids.floor ?? 0;
  } else {
    // Only a complete poll tells every job above the listed floor.
    if (!isReady(s as World, settings) || !s.clockStarted) return [];
    floor = safeFloor(draft);
    const persisted = ids.floor ?? 0;
    const waiting = (ids.submitWaiters?.length ?? 0) > 0;
    const rest = settings.watermark?.cleanAtRest === true && !waiting && atRest(draft);
    // A stray the persisted floor covers lost the state that recorded it (its deployment was
    // deleted, and the state with it; its args changed): the floor goes below it at once, so that
    // a crash before its cancel does not hide it from the next term. A risen floor waits `everyMs`.
    // With a job registry the stray's key tells the next term (registered at once, as a floor
    // would be written): the floor stays, and a new term does not look through every id above it.
    const stray = registryOn(settings) ? undefined : draft.read('strayOwners').minKey();
    const lower = stray !== undefined && stray <= persisted;
    const turns = ids.cleanWritten === true ? waiting : rest;
    const due = floor > persisted && (ids.writtenAt === undefined || s.now - ids.writtenAt >= every);
    if (!turns && !lower && !due) return [];
    clean = ids.cleanWritten === true ? !waiting : rest;
  }
  // A clean write may land even if its answer is lost: the term behaves as if it had from now on.
  s.jobIds = { ...ids, writing: true, writtenAt: s.clockStarted ? s.now : ids.writtenAt, ...(clean ? { cleanWritten: true } : {}) };
  return [{ type: 'writeWatermark', watermark: { floor, clean } }];
}

/**
 * With the submits in flight named (in-flight.ts): the term's own watermark at once (naming what
 * the last term left), then a write whenever queued submits can be named (the cap leaves room) or
 * a submit became of unknown outcome, a clean one when the term comes to rest, a floor below a
 * stray at once, a risen floor (or entries no longer in flight) at most every `everyMs`. Each
 * names every submit still in flight.
 */
function inFlightWatermarkCommands(settings: ReducerSettings, draft: StepDraft, every: number): Command[] {
  const s = draft.scalars;
  const ids = s.jobIds;
  if (!ids.termWritten) {
    const inFlight = ids.inherited ?? ids.inFlight ?? [];
    s.jobIds = { ...ids, writing: true, writtenAt: s.clockStarted ? s.now : ids.writtenAt, cleanWritten: false };
    return [{ type: 'writeWatermark', watermark: { floor: ids.floor ?? 0, clean: false, inFlight } }];
  }
  if (!isReady(s as World, settings) || !s.clockStarted) return [];
  const plan = inFlightWrite(settings, draft);
  const after = s.jobIds;
  const floor = safeFloor(draft);
  const persisted = after.floor ?? 0;
  const rest = plan.entries.length === 0 && plan.admits.length === 0 && draft.read('submitQueue').size === 0 && atRest(draft);
  const stray = registryOn(settings) ? undefined : draft.read('strayOwners').minKey();
  const lower = stray !== undefined && stray <= persisted;
  const spaced = after.writtenAt === undefined || s.now - after.writtenAt >= every;
  const due = spaced && (floor > persisted || plan.dropped);
  // A settle time is written at once: a crash before it would leave the next term only the hold.
  if (plan.admits.length === 0 && !plan.settled && !(rest && after.cleanWritten !== true) && !lower && !due) return [];
  s.jobIds = { ...after, writing: true, writtenAt: s.now, cleanWritten: rest, admitting: plan.admits };
  return [{ type: 'writeWatermark', watermark: { floor, clean: rest, inFlight: [...plan.entries, ...plan.admits] } }];
}

/**
 * Nothing this term sent may still make a job it does not know of: no submit unanswered or of
 * unknown outcome (nor a job answered and not yet recorded, nor a stray: the floor holds of
 * those), and no discovery owed.
 */
function atRest(draft: StepDraft): boolean {
  return draft.read('floorHolds').size === 0 && draft.read('discoveries').size === 0;
}

/** Whether a submit may go now: not while the persisted watermark may say clean (cleanAtRest). */
export function submitsWait(draft: StepDraft): boolean {
  return draft.scalars.jobIds.cleanWritten === true;
}

/** Slots that would have submitted: decided again once the watermark is written unclean. */
export function addSubmitWaiters(draft: StepDraft, waiters: readonly string[]): void {
  if (waiters.length === 0) return;
  const ids = draft.scalars.jobIds;
  const before = ids.submitWaiters ?? [];
  const known = new Set(before);
  draft.scalars.jobIds = { ...ids, submitWaiters: [...before, ...waiters.filter((id) => !known.has(id))] };
}

export function watermarkWritten(draft: StepDraft, watermark: Watermark): void {
  const s = draft.scalars;
  const ids = s.jobIds;
  if (watermark.inFlight !== undefined) {
    // The waiters it names may send their submits now, one each.
    const admitting = ids.admitting ?? [];
    const admitted = admitting.length === 0 ? ids.admitted : [...(ids.admitted ?? []), ...admitting];
    s.jobIds = { ...ids, floor: watermark.floor, writing: false, termWritten: true, attempt: 0, retryAt: undefined, inFlight: watermark.inFlight, admitted, admitting: undefined };
    for (const e of admitting) draft.dirty.add(e.deployment);
    return;
  }
  const opened = !watermark.clean && ids.cleanWritten === true;
  s.jobIds = { ...ids, floor: watermark.floor, writing: false, termWritten: true, attempt: 0, retryAt: undefined, ...(opened ? { cleanWritten: false, submitWaiters: undefined } : {}) };
  if (opened) for (const id of ids.submitWaiters ?? []) draft.dirty.add(id);
}

export function watermarkWriteFailed(settings: ReducerSettings, draft: StepDraft): void {
  const s = draft.scalars;
  const attempt = s.jobIds.attempt + 1;
  // The submits it would have named stay queued, first in line, for the next write.
  s.jobIds = { ...s.jobIds, writing: false, attempt, retryAt: s.now + backoffDelay(settings.backoff, 'watermark', attempt), admitting: undefined };
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
  const clean = world.discoveries.size === 0 && (complete || world.jobIds.cleanStart);
  const named = world.jobIds.inFlight;
  if (named === undefined) return { floor, clean };
  // What the last term left and this one never took up (it stopped before its clock started)
  // is left as found; of the rest, what may still make a job.
  const inFlight: InFlightSubmit[] = [...(world.jobIds.inherited ?? [])];
  for (const entry of named) {
    const still = stillInFlight(world.slots.get(entry.deployment), entry);
    if (still !== undefined && !inFlight.some((e) => e.deployment === still.deployment && e.submitId === still.submitId)) inFlight.push(still);
  }
  return { floor, clean: clean && inFlight.length === 0, inFlight };
}
