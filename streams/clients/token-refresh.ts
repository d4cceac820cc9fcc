// The Slurm token, kept fresh, as a stream: one token at a time, asked for again at a fixed
// fraction of its lifetime (lib/auth/refresh-plan.ts), at once and a single time when Slurm
// rejects it, and with backoff while the source fails. A failure is an event (kind auth), never
// an error of the stream: the deployer keeps running and keeps trying. The keeper every request
// reads is streams/clients/slurm-token-keeper.ts.

import { asyncScheduler, defer, from, NEVER, Observable, of, race, type ObservableInput, type SchedulerLike } from 'rxjs';
import { catchError, expand, filter, map, switchMap, take, throwIfEmpty, timeout } from 'rxjs/operators';
import { DEFAULT_REFRESH_TIMINGS, planRefresh, type RefreshTimings } from '../../lib/auth/refresh-plan.js';
import type { HeldToken, RefreshReason, TokenEvent } from '../../lib/auth/token-events.js';
import { sameToken, TokenSourceError, type IssuedToken } from '../../lib/auth/token-provider.js';
import { backoffDelay, type BackoffSettings } from '../../lib/core/backoff.js';
import type { Failure } from '../../lib/core/failure.js';
import type { Secret } from '../../lib/base/secret.js';
import { delayUntil, timeoutMs } from '../time/delay.js';
import { messageOf } from '../../lib/core/error-message.js';
import { definedOnly } from '../../lib/core/defined-only.js';

export const TOKEN_BACKOFF: BackoffSettings = { baseMs: 1_000, maxMs: 60_000 };
/** No answer from the source within this long is a failure (the sources bound their own calls too). */
export const TOKEN_FETCH_TIMEOUT_MS = 60_000;

export interface TokenRefreshOptions {
  /** Asks the source once; a Promise in production, a cold observable in marble specs. */
  readonly fetchToken: () => ObservableInput<IssuedToken>;
  /** Tokens Slurm rejected. */
  readonly rejections: Observable<Secret>;
  readonly timings?: Partial<RefreshTimings>;
  readonly backoff?: BackoffSettings;
  readonly fetchTimeoutMs?: number;
  readonly scheduler?: SchedulerLike;
}

/** The token's life as events: the first token, each refresh, each failure. Never errors, never completes. */
export function tokenRefresh(options: TokenRefreshOptions): Observable<TokenEvent> {
  const scheduler = options.scheduler ?? asyncScheduler;
  const timings: RefreshTimings = { ...DEFAULT_REFRESH_TIMINGS, ...options.timings };
  const backoff = options.backoff ?? TOKEN_BACKOFF;
  const fetchTimeoutMs = options.fetchTimeoutMs ?? TOKEN_FETCH_TIMEOUT_MS;
  const now = () => scheduler.now();
  // A long-lived token's refresh point may lie beyond what one Node timer holds (2^31 ms).
  const after = (at: number) => delayUntil(at, scheduler);

  return defer(() => {
    let held: HeldToken | undefined;
    let heldAfterRejection = false;
    let failures = 0;
    let rejectedInARow = 0;

    const obtained = (reason: RefreshReason, issued: IssuedToken): TokenEvent => {
      const obtainedAt = now();
      const changed = held === undefined || !sameToken(held.token, issued.token);
      // The same token again keeps the time it was first obtained: its lifetime is not renewed.
      const token: HeldToken = { ...issued, obtainedAt: changed || held === undefined ? obtainedAt : held.obtainedAt };
      held = token;
      failures = 0;
      heldAfterRejection = reason === 'rejected';
      if (!heldAfterRejection) rejectedInARow = 0;
      const plan = planRefresh(token, obtainedAt, timings);
      return { type: 'tokenObtained', reason, token, changed, stale: plan.stale, ...definedOnly({ refreshAt: plan.at }) };
    };

    const failed = (reason: RefreshReason, error: unknown): TokenEvent => {
      failures++;
      return { type: 'tokenFailed', reason, failure: failureOf(error, fetchTimeoutMs), attempt: failures, retryAt: now() + backoffDelay(backoff, 'slurm-token', failures) };
    };

    const attempt = (reason: RefreshReason): Observable<TokenEvent> =>
      defer(() => from(options.fetchToken())).pipe(
        take(1),
        timeout({ first: timeoutMs(fetchTimeoutMs), scheduler }),
        throwIfEmpty(() => new TokenSourceError('the token source gave no token')),
        map((issued) => obtained(reason, issued)),
        catchError((error: unknown) => of(failed(reason, error))),
      );

    /** A rejection of the token held: a new one at once, unless it had itself replaced a rejected one. */
    const afterRejection = (): Observable<TokenEvent> => {
      if (!heldAfterRejection) return attempt('rejected');
      rejectedInARow++;
      return of<TokenEvent>({ type: 'refreshDeferred', attempt: rejectedInARow, retryAt: now() + backoffDelay(backoff, 'slurm-token-rejected', rejectedInARow) });
    };

    const next = (event: TokenEvent): Observable<TokenEvent> => {
      switch (event.type) {
        case 'tokenObtained': {
          const due = event.refreshAt === undefined ? NEVER : after(event.refreshAt).pipe(map(() => 'due' as const));
          const rejected = options.rejections.pipe(
            filter((token) => sameToken(token, event.token.token)),
            map(() => 'rejected' as const),
          );
          return race(due, rejected).pipe(
            take(1),
            switchMap((why) => (why === 'due' ? attempt('due') : afterRejection())),
          );
        }
        case 'tokenFailed':
          return after(event.retryAt).pipe(switchMap(() => attempt('retry')));
        case 'refreshDeferred':
          return after(event.retryAt).pipe(switchMap(() => attempt('rejected')));
      }
    };

    return attempt('start').pipe(expand(next));
  });
}

function failureOf(error: unknown, fetchTimeoutMs: number): Failure {
  if (error instanceof TokenSourceError) return error.failure;
  if (error instanceof Error && error.name === 'TimeoutError') {
    return { kind: 'auth', message: `no token within ${Math.round(fetchTimeoutMs / 1000)} s` };
  }
  return { kind: 'auth', message: `no token: ${messageOf(error)}` };
}
