// Every delay the deployer waits goes through here. Node's timers hold at most 2^31-1 ms
// (~24.8 days): a longer one fires after 1 ms instead, so a token valid for months would be
// "due" at once, again and again. Long delays are waited as a chain of timers that fit.

import { asyncScheduler, defer, NEVER, timer, type Observable, type SchedulerLike } from 'rxjs';
import { switchMap } from 'rxjs/operators';

/** The longest delay one Node timer can hold. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Emits once (0) when the scheduler's clock reaches `at` (ms since the epoch), then completes.
 * A time already past emits at once; a time that is not a finite number never emits.
 */
export function delayUntil(at: number, scheduler: SchedulerLike = asyncScheduler): Observable<0> {
  return defer(() => {
    if (!Number.isFinite(at)) return NEVER;
    const left = at - scheduler.now();
    if (left <= MAX_TIMER_MS) return timer(Math.max(0, left), scheduler);
    // Measured again after each leg: the clock may have moved in between.
    return timer(MAX_TIMER_MS, scheduler).pipe(switchMap(() => delayUntil(at, scheduler)));
  });
}

/** Emits once (0) after `ms` milliseconds; a delay that is not a finite number never emits. */
export function delayFor(ms: number, scheduler: SchedulerLike = asyncScheduler): Observable<0> {
  return defer(() => delayUntil(scheduler.now() + (Number.isNaN(ms) ? Infinity : ms), scheduler));
}

/** A timeout for plain callbacks (no RxJS): the same chaining; `unref` lets the process exit while it waits. */
export function setLongTimeout(callback: () => void, ms: number, options: { readonly unref?: boolean } = {}): { cancel(): void } {
  const at = Date.now() + ms;
  let handle: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = at - Date.now();
    if (!Number.isFinite(left)) return;
    handle = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(callback, Math.max(0, left));
    if (options.unref === true) handle.unref();
  };
  arm();
  return { cancel: () => clearTimeout(handle) };
}

/** A Promise that resolves after `ms` milliseconds (chained like the others). */
export function sleepFor(ms: number): Promise<void> {
  return new Promise((resolve) => setLongTimeout(resolve, ms));
}

/**
 * A timeout for a single rxjs `timeout()` or undici option, which cannot be chained: beyond one
 * timer's reach it is held at 2^31-1 ms (~24.8 days), which for a timeout means "never" anyway.
 */
export function timeoutMs(ms: number): number {
  return Number.isNaN(ms) ? MAX_TIMER_MS : Math.min(Math.max(0, ms), MAX_TIMER_MS);
}
