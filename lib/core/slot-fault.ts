// Fault isolation: whatever throws while one deployment is handled fails that deployment alone.

import { specHash } from './spec-hash.js';
import { emptySlot } from './slot.js';
import type { StepDraft } from './step-draft.js';
import type { Desired } from './deployment.js';
import type { Slot } from './world.js';

export const INTERNAL_ERROR = 'internal error';

/**
 * The slot with its deployment FAILED for an internal error; its job is no longer followed (nor
 * cancelled). `revision` names the value being put when that failed: a deployment new to the slot
 * is created FAILED, as one whose value could not be read.
 */
export function faultSlot(slot: Slot, error: unknown, revision?: number): Slot {
  const phase = { kind: 'faulted', reason: `${INTERNAL_ERROR}: ${describe(error)}` } as const;
  const deployment = slot.deployment;
  if (deployment === undefined) {
    return revision === undefined ? slot : { ...slot, deployment: { desired: faultedDesired(revision), generation: 1, phase } };
  }
  return deployment.phase.kind === 'faulted' ? slot : { ...slot, deployment: { ...deployment, phase } };
}

/** Stands for a value that could not be taken: any later put is a new spec. */
function faultedDesired(revision: number): Desired {
  const argsKey = `faulted:r${revision}`;
  return { revision, argsKey, invalid: INTERNAL_ERROR, submitId: `r${revision}`, specHash: specHash(argsKey) };
}

/** The error's kind and a short message: never its data, which may be the deployment's value. */
function describe(error: unknown): string {
  if (error instanceof RangeError && /call stack/i.test(error.message)) return 'RangeError: the value nests too deeply';
  if (error instanceof Error) return `${error.name}: ${error.message.slice(0, 200)}`;
  return 'a non-Error value was thrown';
}

/** Applies a change to one slot; whatever it throws fails that deployment alone. */
export function guarded(draft: StepDraft, id: string, change: (slot: Slot) => Slot, revision?: number): void {
  const slot = draft.slot(id) ?? emptySlot(id);
  let next: Slot;
  try {
    next = change(slot);
  } catch (error) {
    next = faultSlot(slot, error, revision);
  }
  draft.putSlot(next);
}

