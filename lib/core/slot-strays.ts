// A slot's strays: the labelled, active jobs of its id that no deployment follows (a deleted
// deployment's, a replaced spec's, a duplicate), found in each poll, then cancelled and watched
// until they end (stray-job.ts holds the life of one).

import { claimOf, servesSpec } from './job-claim.js';
import type { Deployment } from './deployment.js';
import { isActiveJob } from './job-observation.js';
import { addStray } from './slot.js';
import { followed, type SlotCommands, type SlotView } from './slot-view.js';
import { strayCommand, type StrayJob } from './stray-job.js';
import type { Slot } from './world.js';

/** Strays: labelled, active jobs of this id that no deployment follows; gone ones are dropped. */
export function collectStrays(slot: Slot, view: SlotView): Slot {
  if (slot.strays.length === 0 && view.claiming.length === 0) return slot;
  const kept = slot.strays.filter((stray) => {
    const seen = view.polledJob(stray.jobId);
    const gone = view.lastPollId >= stray.provableFromPollId && (seen === undefined || !isActiveJob(seen));
    return !gone && !followed(slot, view, stray.jobId);
  });
  let next: Slot = kept.length === slot.strays.length ? slot : { ...slot, strays: kept };
  // Submits still in flight (or of unknown outcome) may already show in a poll: not strays yet.
  const pending = pendingSubmit(next);
  for (const job of view.claiming) {
    if (followed(next, view, job.jobId) || next.strays.some((s) => s.jobId === job.jobId) || !isActiveJob(job)) continue;
    const claim = claimOf(job);
    if (claim.submitId !== undefined && pending.has(claim.submitId)) continue;
    const why = strayReason(next.deployment, claim);
    next = addStray(next, job.jobId, why, view.lastPollId);
    if (why === 'duplicate' && next.deployment !== undefined) next = { ...next, deployment: noteDuplicate(next.deployment, job.jobId) };
  }
  return next;
}

function pendingSubmit(slot: Slot): Set<string> {
  const pending = new Set<string>();
  const phase = slot.deployment?.phase;
  if (phase?.kind === 'submitting' || phase?.kind === 'uncertain') pending.add(phase.submitId);
  if (slot.deployment !== undefined && slot.leftover !== undefined) pending.add(slot.leftover.submitId);
  return pending;
}

function strayReason(d: Deployment | undefined, claim: ReturnType<typeof claimOf>): StrayJob['why'] {
  if (d === undefined) return 'deployment removed';
  if (!mayHaveJob(d)) return 'replaced';
  return claim.submitId === undefined || servesSpec(claim, d.desired) ? 'duplicate' : 'replaced';
}

/** A spec that is invalid, was rejected or faulted has no job: one found is cancelled, never followed. */
function mayHaveJob(d: Deployment): boolean {
  return d.phase.kind !== 'invalid' && d.phase.kind !== 'rejected' && d.phase.kind !== 'faulted';
}

function noteDuplicate(d: Deployment, jobId: number): Deployment {
  if (d.duplicates?.includes(jobId)) return d;
  return { ...d, duplicates: [...(d.duplicates ?? []), jobId].sort((a, b) => a - b) };
}

/** Sends what each stray needs now: its cancel, or once Slurm answered one, a lookup or a cancel again. */
export function cancelStrays(slot: Slot, view: SlotView, commands: SlotCommands): Slot {
  if (slot.strays.length === 0) return slot;
  let changed = false;
  const strays = slot.strays.map((stray) => {
    const step = strayCommand(stray, view.now, view.lastPollId);
    if (step === undefined) return stray;
    // A lookup of a cancelled job asks Slurm now whether it ended, rather than wait for the next poll.
    commands.cancels.push(step.send === 'lookupJob' ? { type: 'lookupJob', id: slot.id, jobId: stray.jobId } : { type: 'cancelJob', id: slot.id, jobId: stray.jobId, why: stray.why });
    changed = true;
    return step.stray;
  });
  return changed ? { ...slot, strays } : slot;
}
