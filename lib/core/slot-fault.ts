// Fault isolation: whatever throws while one deployment is handled fails that deployment alone.

import type { Slot } from './world.js';

export const INTERNAL_ERROR = 'internal error';

/** The slot with its deployment FAILED for an internal error; its job is no longer followed. */
export function faultSlot(slot: Slot, error: unknown): Slot {
  const deployment = slot.deployment;
  if (deployment === undefined || deployment.phase.kind === 'faulted') return slot;
  return { ...slot, deployment: { ...deployment, phase: { kind: 'faulted', reason: `${INTERNAL_ERROR}: ${describe(error)}` } } };
}

/** The error's kind and a short message: never its data, which may be the deployment's value. */
function describe(error: unknown): string {
  if (error instanceof RangeError && /call stack/i.test(error.message)) return 'RangeError: the value nests too deeply';
  if (error instanceof Error) return `${error.name}: ${error.message.slice(0, 200)}`;
  return 'a non-Error value was thrown';
}
