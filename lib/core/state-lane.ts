// The slot's lane to its state in the Config DB (Slot.stateLane): one write or removal in flight
// at a time, so that they land in the order they were decided. What is sent, and each answer.

import { backoffDelay } from './backoff.js';
import { sameState } from './deployment-state.js';
import type { Failure } from './failure.js';
import type { ReducerSettings } from './settings.js';
import { stateOfDeployment, trackedJobOf } from './slot.js';
import type { SlotCommands, SlotView } from './slot-view.js';
import type { Slot } from './world.js';

/** The state the deployment shows, written when it differs from the one last written. */
export function writeState(slot: Slot, view: Pick<SlotView, 'now'>, commands: Pick<SlotCommands, 'own'>): Slot {
  const d = slot.deployment;
  if (d === undefined || slot.stateLane !== 'idle') return slot;
  // Until a poll shows the job the state found at start names, that state stands: nothing new is known.
  const job = trackedJobOf(slot);
  if (job?.fromPriorState === true && job.observed === undefined && job.final === undefined) return slot;
  if (d.writeRetry !== undefined && view.now < d.writeRetry.at) return slot;
  const state = stateOfDeployment(d, slot.strays.map((s) => s.jobId));
  if (sameState(state, d.written)) return slot;
  commands.own.push({ type: 'writeState', id: slot.id, state });
  return { ...slot, stateLane: 'writing', deployment: { ...d, written: state } };
}

/** The state of a deleted deployment goes once its job has ended (no stray of it remains). */
export function removeState(slot: Slot, view: Pick<SlotView, 'now'>, commands: Pick<SlotCommands, 'removals'>): Slot {
  const removal = slot.removal;
  if (removal === undefined || slot.strays.length > 0 || view.now < removal.notBefore) return slot;
  // A submit of the removed deployment not yet answered, or of unknown outcome not yet told by
  // a poll, may still show a job; a write in flight would land after the removal.
  if (slot.leftover !== undefined || slot.stateLane !== 'idle') return slot;
  commands.removals.push({ type: 'deleteState', id: slot.id });
  return { ...slot, stateLane: 'deleting' };
}

// An answer ends whatever the lane had in flight: one request at a time, each answered once.

export function stateWritten(slot: Slot): Slot {
  const d = slot.deployment;
  const idle: Slot = { ...slot, stateLane: 'idle' };
  if (d?.writeRetry === undefined) return idle;
  return { ...idle, deployment: { ...d, writeRetry: undefined } };
}

/** Forgets what was written, so that the wanted state is written again once due. */
export function stateWriteFailed(settings: ReducerSettings, now: number, slot: Slot, failure: Failure): Slot {
  const d = slot.deployment;
  const idle: Slot = { ...slot, stateLane: 'idle' };
  if (d === undefined) return idle;
  const attempt = (d.writeRetry?.attempt ?? 0) + 1;
  const at = now + backoffDelay(settings.backoff, `write:${slot.id}`, attempt);
  return { ...idle, deployment: { ...d, written: undefined, writeRetry: { attempt, at, reason: failure.message } } };
}

export function stateDeleted(slot: Slot): Slot {
  return { ...slot, stateLane: 'idle', removal: undefined };
}

/** Removed again after backoff, if it is still to be removed (its deployment was not put again meanwhile). */
export function stateDeleteFailed(settings: ReducerSettings, now: number, slot: Slot): Slot {
  const removal = slot.removal;
  if (removal === undefined) return { ...slot, stateLane: 'idle' };
  const attempt = removal.attempt + 1;
  return { ...slot, stateLane: 'idle', removal: { attempt, notBefore: now + backoffDelay(settings.backoff, `delete:${slot.id}`, attempt) } };
}
