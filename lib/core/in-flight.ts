// Submits in flight, named in the watermark (WatermarkSettings.inFlightCap). A submit is sent
// only once the watermark that names it is acknowledged, so a term that follows a crash knows
// exactly which deployments the last one may have left a submit for inside slurmrestd: it holds
// back those (each a submit of unknown outcome until a poll after its settle time tells), and
// submits every other deployment at once. A term's own submits in flight are capped, so that a
// crash leaves the next term few deployments to hold, and the entries stay few.

import { emptySlot } from './slot.js';
import type { StepDraft } from './step-draft.js';
import type { InFlightSubmit } from './persisted.js';
import type { ReducerSettings } from './settings.js';
import type { Slot } from './world.js';

/** How many entries the watermark names at most, in caps: room for the last term's and this one's. */
const ENTRIES_PER_CAP = 4;

export function inFlightOn(settings: ReducerSettings): boolean {
  return settings.watermark?.inFlightCap !== undefined;
}

/**
 * Whether the slot may send its submit of this identity now: the acknowledged watermark names
 * it, and no submit used that entry yet. A submit uses it up: the next needs a write of its own.
 */
export function takeAdmission(draft: StepDraft, id: string, submitId: string): boolean {
  const ids = draft.scalars.jobIds;
  const admitted = ids.admitted ?? [];
  const at = admitted.findIndex((e) => e.deployment === id && e.submitId === submitId);
  if (at < 0) return false;
  draft.scalars.jobIds = { ...ids, admitted: admitted.filter((_e, i) => i !== at) };
  return true;
}

/**
 * What a submit in flight still is, if anything may yet come of it: a submit not answered, or one
 * of unknown outcome (with its settle time, which the next term keeps). Answered (its job is
 * known), or proven to have made none: nothing.
 */
export function stillInFlight(slot: Slot | undefined, entry: InFlightSubmit): InFlightSubmit | undefined {
  const { deployment, submitId } = entry;
  const phase = slot?.deployment?.phase;
  if (phase?.kind === 'submitting' && phase.submitId === submitId) return { deployment, submitId };
  let settleAt: number | undefined;
  if (phase?.kind === 'uncertain' && phase.submitId === submitId) settleAt = phase.settleAt;
  else if (slot?.leftover?.submitId === submitId) settleAt = slot.leftover.unknown?.settleAt;
  else return undefined;
  return settleAt === undefined ? { deployment, submitId } : { deployment, submitId, settleAt };
}

/**
 * A slot that would submit and may not yet takes the next place in the queue (keeping the one it
 * has); one that sent its submit leaves it.
 */
export function queuedAsAsked(draft: StepDraft, slot: Slot, allowed: boolean | undefined): Slot {
  if (allowed === true && slot.queued !== undefined) return { ...slot, queued: undefined };
  if (allowed !== false || slot.queued !== undefined) return slot;
  const ids = draft.scalars.jobIds;
  const place = ids.queueSeq ?? 0;
  draft.scalars.jobIds = { ...ids, queueSeq: place + 1 };
  return { ...slot, queued: place };
}

/** The watermark's entries as they stand now, and the queued submits the next write names besides. */
export interface InFlightWrite {
  readonly entries: readonly InFlightSubmit[];
  readonly admits: readonly InFlightSubmit[];
  /** Entries of the acknowledged watermark that no longer need to be named. */
  readonly dropped: boolean;
  /** A submit became of unknown outcome: its settle time is not yet written. */
  readonly settled: boolean;
}

/**
 * The entries the watermark must name from now on: those still in flight, the admissions not yet
 * used of slots that still want them, and as many queued submits as the cap leaves room for.
 */
export function inFlightWrite(settings: ReducerSettings, draft: StepDraft): InFlightWrite {
  const ids = draft.scalars.jobIds;
  const persisted = ids.inFlight ?? [];
  const unused = ids.admitted ?? [];
  const entries: InFlightSubmit[] = [];
  let own = 0;
  let settled = false;
  for (const entry of persisted) {
    const slot = draft.slot(entry.deployment);
    const inFlight = stillInFlight(slot, entry);
    const kept = inFlight ?? (isUnused(unused, entry) && wantsToSubmit(slot, entry.submitId) ? entry : undefined);
    if (kept === undefined) continue;
    entries.push(kept);
    if (kept.settleAt !== entry.settleAt) settled = true;
    // The cap counts the term's own: sent and unanswered, or about to be sent.
    const phase = slot?.deployment?.phase;
    if (inFlight === undefined || (phase?.kind === 'submitting' && phase.submitId === entry.submitId)) own += 1;
  }
  const admitted = unused.filter((e) => entries.some((kept) => kept.deployment === e.deployment && kept.submitId === e.submitId));
  if (admitted.length !== unused.length) draft.scalars.jobIds = { ...draft.scalars.jobIds, admitted };
  // Submits of unknown outcome do not count against the cap (a term after a crash holds those the
  // last one left, and submits others meanwhile), but all entries together stay within four caps:
  // a slurmrestd that resets every connection after sending cannot make the watermark grow.
  const cap = settings.watermark?.inFlightCap ?? 0;
  const room = Math.min(cap - own, ENTRIES_PER_CAP * cap - entries.length);
  // First come, first named. A slot stays queued until it sends its submit (an admission whose
  // write failed is named again by the next); one that no longer means to submit leaves the queue.
  const admits: InFlightSubmit[] = [];
  const gone: string[] = [];
  if (room > 0) {
    for (const [, id] of draft.read('submitQueue').keys()) {
      if (admits.length >= room) break;
      const d = draft.slot(id)?.deployment;
      if (d === undefined || d.phase.kind !== 'idle') gone.push(id);
      else if (!entries.some((e) => e.deployment === id)) admits.push({ deployment: id, submitId: d.desired.submitId });
    }
  }
  for (const id of gone) {
    const slot = draft.slot(id);
    if (slot !== undefined) draft.putSlot({ ...slot, queued: undefined }, false);
  }
  return { entries, admits, dropped: entries.length !== persisted.length, settled };
}

function isUnused(unused: readonly InFlightSubmit[], entry: InFlightSubmit): boolean {
  return unused.some((e) => e.deployment === entry.deployment && e.submitId === entry.submitId);
}

/** An admitted slot that has not sent its submit yet still means to (nothing made it change). */
function wantsToSubmit(slot: Slot | undefined, submitId: string): boolean {
  const d = slot?.deployment;
  return d !== undefined && d.phase.kind === 'idle' && d.desired.submitId === submitId;
}

/**
 * The submits the last term may have left inside slurmrestd, as the listing found them: each
 * deployment named is held as a submit of unknown outcome until its settle time (the one the
 * last term wrote, else this term's start plus the takeover hold), and a poll after that tells.
 * A deployment whose state names a job of that very submit has it; any other (deleted, its args
 * changed, following another job) keeps it as a leftover: a job of it is then a stray.
 */
export function inheritInFlight(settings: ReducerSettings, draft: StepDraft): void {
  const s = draft.scalars;
  const inherited = s.jobIds.inherited;
  if (inherited === undefined || !s.clockStarted || !s.listed) return;
  const floor = s.jobIds.floor ?? 0;
  const hold = settings.watermark?.takeoverHoldMs ?? 0;
  const held: InFlightSubmit[] = [];
  for (const entry of inherited) {
    const settleAt = entry.settleAt ?? s.now + hold;
    const slot = draft.slot(entry.deployment) ?? emptySlot(entry.deployment);
    const next = holdFor(slot, entry.submitId, floor, settleAt);
    if (next === slot) continue;
    draft.putSlot(next);
    held.push({ deployment: entry.deployment, submitId: entry.submitId, settleAt });
  }
  s.jobIds = { ...s.jobIds, inherited: undefined, inFlight: held };
}

function holdFor(slot: Slot, submitId: string, floor: number, settleAt: number): Slot {
  const d = slot.deployment;
  const unknown = { floor, settleAt };
  if (d !== undefined && d.desired.submitId === submitId) {
    const phase = d.phase;
    // (Waiting for its dependencies, or failed by them, since the listing: it may have sent it before.)
    if (phase.kind === 'idle' || phase.kind === 'waiting' || phase.kind === 'blocked') return { ...slot, deployment: { ...d, phase: { kind: 'uncertain', submitId, ...unknown } } };
    // Answered before the stop (the entry was not yet dropped): refused, or its job named by the
    // state found, which names a job of this spec (a job of any other makes the slot idle). Or
    // named twice; or invalid, never sent. Only a deployment faulted since may still get a job.
    if (phase.kind !== 'faulted') return slot;
  }
  if (slot.leftover !== undefined) return slot;
  return { ...slot, leftover: { submitId, floor, unknown } };
}
