// Time, as events: the reducer never reads a clock.

import { timer, type Observable, type SchedulerLike } from 'rxjs';
import { map } from 'rxjs/operators';
import type { DeployerEvent } from '../lib/core/events.js';

/** A tick at once, then every `periodMs`, carrying the scheduler's time (the wall clock in production). */
export function ticks(periodMs: number, scheduler?: SchedulerLike): Observable<DeployerEvent> {
  return timer(0, periodMs, scheduler).pipe(map(() => ({ type: 'tick', now: scheduler?.now() ?? Date.now() })));
}
