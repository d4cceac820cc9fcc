// Time, as events: the reducer never reads a clock.

import { concat, of, timer, type Observable, type SchedulerLike } from 'rxjs';
import { map, repeat } from 'rxjs/operators';
import type { DeployerEvent } from '../../lib/core/events.js';
import { delayFor, MAX_TIMER_MS } from '../time/delay.js';

/** A tick at once, then every `periodMs`, carrying the scheduler's time (the wall clock in production). */
export function ticks(periodMs: number, scheduler?: SchedulerLike): Observable<DeployerEvent> {
  // A period beyond one Node timer's reach (2^31 ms) would tick every millisecond instead.
  const beats = periodMs <= MAX_TIMER_MS ? timer(0, periodMs, scheduler) : concat(of(0), delayFor(periodMs, scheduler).pipe(repeat()));
  return beats.pipe(map(() => ({ type: 'tick', now: scheduler?.now() ?? Date.now() })));
}
