// Submits of unknown outcome: their job may exist, or appear later (slurmrestd retries a request
// slurmctld's rate limit refused, long after the deployer stopped waiting). Such a submit stays
// unknown until a complete poll issued after its settle time shows no job of it.

import type { UnknownOutcome } from './deployment.js';
import type { ReducerSettings } from './settings.js';

/** The unknown outcome of a submit sent above `floor`, failing at `now`. */
export function unknownOutcome(settings: ReducerSettings, floor: number, now: number, nextPollId: number): UnknownOutcome {
  // Without a settle time (journals of older versions) the next poll tells.
  return settings.submitSettleMs === undefined ? { floor, resolvedByPollId: nextPollId } : { floor, settleAt: now + settings.submitSettleMs };
}

/** Past its settle time, the first poll issued from now on tells. */
export function settled(outcome: UnknownOutcome, now: number, nextPollId: number): UnknownOutcome {
  if (outcome.resolvedByPollId !== undefined || outcome.settleAt === undefined || now < outcome.settleAt) return outcome;
  return { floor: outcome.floor, settleAt: outcome.settleAt, resolvedByPollId: nextPollId };
}

/** Whether a complete poll late enough was applied: a job of the submit not in it never came. */
export function isResolved(outcome: UnknownOutcome, lastCompletePollId: number | undefined): boolean {
  return outcome.resolvedByPollId !== undefined && lastCompletePollId !== undefined && lastCompletePollId >= outcome.resolvedByPollId;
}
