// A stray job's life, one phase at a time: a labelled, active job of a deployment id that no
// deployment follows is cancelled, and watched until it ends. The transitions are all here: the
// slot's code sends what `strayCommand` says and hands each answer to the function named for it.

import { backoffDelay, type BackoffSettings } from './backoff.js';
import type { CancelReason } from './commands.js';

/** A labelled, active job that no deployment claims: a removed deployment's, or a duplicate. */
export interface StrayJob {
  readonly jobId: number;
  readonly why: CancelReason;
  /** Polls with this id or later can prove the job gone. */
  readonly provableFromPollId: number;
  readonly phase: StrayPhase;
}

/** A cancel to send or sent; `attempt` counts the transient failures in a row. */
export type CancelAttempt =
  /** To send once `notBefore` (ms) has come: at once, or after a failed cancel's backoff. */
  | { readonly kind: 'toCancel'; readonly attempt: number; readonly notBefore: number }
  /** Sent: its answer is awaited. */
  | { readonly kind: 'cancelling'; readonly attempt: number };

export type StrayPhase =
  | CancelAttempt
  /**
   * Slurm answered a cancel: it took it, or refused it for good (the job is unknown or already
   * ending). A poll issued from `byPollId` on tells whether the job ended; one that still shows it
   * active has it cancelled `again`. Where `lookup`, Slurm is also asked for the job by id, then
   * again with a short backoff while it is still active, so that what waits for its end waits no
   * poll interval; the two run side by side (a poll can tell before the lookup answers).
   */
  | { readonly kind: 'confirming'; readonly byPollId: number; readonly again?: CancelAttempt; readonly lookup?: StrayLookup };

/** The lookups of a cancelled job; `attempt` counts those that found it still active, or failed. */
export type StrayLookup = { readonly kind: 'due'; readonly attempt: number; readonly at: number } | { readonly kind: 'looking'; readonly attempt: number };

export function newStray(jobId: number, why: CancelReason, provableFromPollId: number): StrayJob {
  return { jobId, why, provableFromPollId, phase: { kind: 'toCancel', attempt: 0, notBefore: 0 } };
}

/** What the stray needs sent now, if anything, and the stray once it is sent: a lookup due goes first. */
export function strayCommand(stray: StrayJob, now: number, lastPollId: number): { readonly send: 'lookupJob' | 'cancelJob'; readonly stray: StrayJob } | undefined {
  const phase = stray.phase;
  if (phase.kind !== 'confirming') {
    const sent = sentNow(phase, now);
    return sent === undefined ? undefined : { send: 'cancelJob', stray: { ...stray, phase: sent } };
  }
  if (phase.lookup?.kind === 'due' && now >= phase.lookup.at) {
    return { send: 'lookupJob', stray: { ...stray, phase: { ...phase, lookup: { kind: 'looking', attempt: phase.lookup.attempt } } } };
  }
  if (lastPollId < phase.byPollId) return undefined;
  const again = phase.again === undefined ? ({ kind: 'cancelling', attempt: 0 } as const) : sentNow(phase.again, now);
  return again === undefined ? undefined : { send: 'cancelJob', stray: { ...stray, phase: { ...phase, again } } };
}

function sentNow(attempt: CancelAttempt, now: number): CancelAttempt | undefined {
  return attempt.kind === 'toCancel' && now >= attempt.notBefore ? { kind: 'cancelling', attempt: attempt.attempt } : undefined;
}

/**
 * Slurm took the cancel: polls from `byPollId` on tell, and a lookup asks at `lookupAt` if given
 * (a lookup in flight answers first).
 */
export function cancelTaken(stray: StrayJob, byPollId: number, lookupAt: number | undefined): StrayJob {
  const current = lookupOf(stray);
  const lookup: StrayLookup | undefined = current?.kind === 'looking' ? { kind: 'looking', attempt: 0 } : lookupAt === undefined ? undefined : { kind: 'due', attempt: 0, at: lookupAt };
  return { ...stray, phase: { ...answered(stray.phase, byPollId), lookup } };
}

/** Slurm refused the cancel for good (the job is unknown or already ending): as after a cancel, polls from `byPollId` on tell. */
export function cancelRefused(stray: StrayJob, byPollId: number): StrayJob {
  return { ...stray, phase: answered(stray.phase, byPollId) };
}

/**
 * An answered phase, its lookups kept. A cancel still backing off is an attempt of its own: the
 * answer is to an earlier cancel (sent before the stray was dropped, then found again).
 */
function answered(phase: StrayPhase, byPollId: number): Extract<StrayPhase, { kind: 'confirming' }> {
  const attempt = phase.kind === 'confirming' ? phase.again : phase;
  const lookup = phase.kind === 'confirming' ? phase.lookup : undefined;
  const again = attempt?.kind === 'toCancel' ? { ...attempt, attempt: 0 } : undefined;
  return { kind: 'confirming', byPollId, again, lookup };
}

/** A cancel that failed for now: sent again after `backoff`. */
export function cancelFailed(stray: StrayJob, now: number, backoff: BackoffSettings): StrayJob {
  const phase = stray.phase;
  const failed = phase.kind === 'confirming' ? phase.again : phase;
  const attempt = (failed?.attempt ?? 0) + 1;
  const retry = { kind: 'toCancel', attempt, notBefore: now + backoffDelay(backoff, `cancel:${stray.jobId}`, attempt) } as const;
  return { ...stray, phase: phase.kind === 'confirming' ? { ...phase, again: retry } : retry };
}

/** Lookups of a cancelled job back off from half a second to two seconds at most. */
const LOOKUP_BACKOFF = { baseMs: 500, maxMs: 2000 };

/** A lookup found the cancelled job still active, or failed: asked again soon. */
export function lookUpLater(stray: StrayJob, now: number, backoff: BackoffSettings): StrayJob {
  const phase = stray.phase;
  if (phase.kind !== 'confirming' || phase.lookup === undefined) return stray;
  const attempt = phase.lookup.attempt + 1;
  const capped = { baseMs: Math.min(LOOKUP_BACKOFF.baseMs, backoff.baseMs), maxMs: Math.min(LOOKUP_BACKOFF.maxMs, backoff.maxMs) };
  return { ...stray, phase: { ...phase, lookup: { kind: 'due', attempt, at: now + backoffDelay(capped, `confirm:${stray.jobId}`, attempt) } } };
}

export function lookupOf(stray: StrayJob): StrayLookup | undefined {
  return stray.phase.kind === 'confirming' ? stray.phase.lookup : undefined;
}

/** Whether the slot has asked Slurm to cancel the job (asking, or answered). */
export function cancelSent(stray: StrayJob): boolean {
  return stray.phase.kind !== 'toCancel';
}

/** When a cancel backing off may be sent. */
export function cancelDueAt(stray: StrayJob): number | undefined {
  const attempt = stray.phase.kind === 'confirming' ? stray.phase.again : stray.phase;
  return attempt?.kind === 'toCancel' ? attempt.notBefore : undefined;
}

/** When a lookup is to be asked. */
export function lookupDueAt(stray: StrayJob): number | undefined {
  const lookup = lookupOf(stray);
  return lookup?.kind === 'due' ? lookup.at : undefined;
}

/** The poll that tells whether a cancelled job ended. */
export function confirmPollOf(stray: StrayJob): number | undefined {
  return stray.phase.kind === 'confirming' ? stray.phase.byPollId : undefined;
}
