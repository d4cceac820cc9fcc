// The Slurm token, kept fresh: one token shared by every request, asked for again at a fixed
// fraction of its lifetime (lib/auth/refresh-plan.ts), at once and a single time when Slurm
// rejects it, and with backoff while the source fails. A failure is an event (kind auth), never
// an error of the stream: the deployer keeps running and keeps trying.

import { asyncScheduler, defer, firstValueFrom, from, NEVER, Observable, of, race, Subject, type ObservableInput, type SchedulerLike, type Subscription } from 'rxjs';
import { catchError, expand, filter, map, switchMap, take, throwIfEmpty, timeout } from 'rxjs/operators';
import { DEFAULT_REFRESH_TIMINGS, planRefresh, type RefreshTimings } from '../lib/auth/refresh-plan.js';
import { NoSlurmTokenError, sameToken, TokenSourceError, type AuthMethod, type IssuedToken, type SlurmCredentials, type TokenProvider, type TokenSource } from '../lib/auth/token-provider.js';
import { backoffDelay, type BackoffSettings } from '../lib/core/backoff.js';
import type { Failure } from '../lib/core/failure.js';
import type { Secret } from '../lib/config/secret.js';
import { delayUntil, timeoutMs } from './delay.js';
import type { Logger } from './log.js';

/** Why a token was asked for. */
export type RefreshReason = 'start' | 'due' | 'rejected' | 'retry';

export interface HeldToken extends IssuedToken {
  readonly obtainedAt: number;
}

export type TokenEvent =
  | {
      readonly type: 'tokenObtained';
      readonly reason: RefreshReason;
      readonly token: HeldToken;
      /** False when the source gave the token already held (a static token, a file not replaced). */
      readonly changed: boolean;
      /** Past its refresh point already when obtained: the source has nothing newer. */
      readonly stale: boolean;
      /** When the next token will be asked for, unless Slurm rejects this one first. */
      readonly refreshAt?: number;
    }
  | { readonly type: 'tokenFailed'; readonly reason: RefreshReason; readonly failure: Failure; readonly attempt: number; readonly retryAt: number }
  /** Slurm rejected a token that had itself replaced a rejected one: the next try waits for a backoff. */
  | { readonly type: 'refreshDeferred'; readonly attempt: number; readonly retryAt: number };

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
      return { type: 'tokenObtained', reason, token, changed, stale: plan.stale, ...(plan.at === undefined ? {} : { refreshAt: plan.at }) };
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
  return { kind: 'auth', message: `no token: ${error instanceof Error ? error.message : String(error)}` };
}

// ---- the token every request uses ------------------------------------------------------------

export interface SlurmTokens extends TokenProvider {
  readonly method: AuthMethod;
  readonly userName: string;
  /** Every event from now on (hot): subscribe at once to see the first token. */
  readonly events: Observable<TokenEvent>;
  /** The token requests are sent with now; undefined before the first. */
  current(): Secret | undefined;
  /** Unix seconds at which the token in use expires, when known (the tokenExpiry metric). */
  expiry(): number | undefined;
  /**
   * Slurm rejected `token`. Asks for a new token at once, a single time however many requests
   * report the same token, and resolves true when another token is in use now (a retry is
   * worthwhile), false when not (the source failed, gave the same token, or is backing off).
   */
  renewAfterRejection(token: Secret): Promise<boolean>;
  close(): void;
}

export interface SlurmTokensOptions extends Omit<TokenRefreshOptions, 'fetchToken' | 'rejections'> {
  /** How long a request waits for the first token, or a rejection for its replacement. */
  readonly waitMs?: number;
}

export function keepSlurmToken(source: TokenSource, options: SlurmTokensOptions = {}): SlurmTokens {
  const rejections = new Subject<Secret>();
  const events = new Subject<TokenEvent>();
  const waitMs = options.waitMs ?? (options.fetchTimeoutMs ?? TOKEN_FETCH_TIMEOUT_MS) + 5_000;
  const clock = options.scheduler ?? asyncScheduler;
  let last: TokenEvent | undefined;
  let held: HeldToken | undefined;

  const nextEvent = (): Promise<TokenEvent | undefined> =>
    firstValueFrom(events.pipe(timeout({ first: timeoutMs(waitMs), scheduler: clock }))).catch(() => undefined);

  // Subscribed on the next turn, so that the caller can subscribe to `events` first.
  let subscription: Subscription | undefined;
  let closed = false;
  const started = Promise.resolve().then(() => {
    if (closed) return;
    subscription = tokenRefresh({ ...options, fetchToken: () => source.obtain(), rejections }).subscribe((event) => {
      last = event;
      if (event.type === 'tokenObtained') held = event.token;
      events.next(event);
    });
  });

  const noToken = (why: string): never => {
    throw new NoSlurmTokenError({ kind: 'auth', message: `no usable Slurm token: ${why}` });
  };

  return {
    method: source.method,
    userName: source.userName,
    events,

    async credentials(): Promise<SlurmCredentials> {
      if (last === undefined) {
        const first = nextEvent();
        await started;
        if (last === undefined) await first;
      }
      const event = last;
      if (event === undefined) return noToken('the token source has not answered yet');
      const expired = held?.expiresAt !== undefined && held.expiresAt <= clock.now();
      if (held === undefined || (event.type === 'tokenFailed' && expired)) {
        return noToken(event.type === 'tokenFailed' ? event.failure.message : 'none obtained yet');
      }
      return { userName: source.userName, token: held.token };
    },

    current: () => held?.token,

    expiry: () => (held?.expiresAt === undefined ? undefined : held.expiresAt / 1000),

    async renewAfterRejection(token: Secret): Promise<boolean> {
      if (held === undefined) return false;
      if (!sameToken(held.token, token)) return true;
      if (last?.type !== 'tokenObtained') return false;
      const answer = nextEvent();
      rejections.next(token);
      const event = await answer;
      return event?.type === 'tokenObtained' && !sameToken(event.token.token, token);
    },

    close() {
      closed = true;
      subscription?.unsubscribe();
      events.complete();
      rejections.complete();
    },
  };
}

// ---- what is worth a log line -----------------------------------------------------------------

/** INFO for each new token, WARNING (kind auth) for failures and for a token not replaced in time. */
export function logTokenEvent(log: Logger, method: AuthMethod | 'jwt-file', event: TokenEvent, now = Date.now()): void {
  const seconds = (at: number | undefined) => (at === undefined ? undefined : Math.round((at - now) / 100) / 10);
  switch (event.type) {
    case 'tokenObtained': {
      const fields = {
        method,
        reason: event.reason,
        ...(event.token.expiresAt === undefined ? {} : { expiresInSeconds: seconds(event.token.expiresAt) }),
        ...(event.refreshAt === undefined ? {} : { refreshInSeconds: seconds(event.refreshAt) }),
      };
      if (event.changed && !event.stale) {
        log.info(event.reason === 'start' ? 'Slurm token obtained' : 'Slurm token refreshed', fields);
        return;
      }
      const expired = event.token.expiresAt !== undefined && event.token.expiresAt <= now;
      const message = expired
        ? 'Slurm token has expired and no newer one is available'
        : event.stale
          ? 'Slurm token expires soon and no newer one is available'
          : 'Slurm rejected the token and no other one is available';
      log.warning(message, {
        ...fields,
        kind: 'auth',
        replace: method === 'jwt-file' ? 'write a new token to SDP_SLURMDEPLOY_SLURM_JWT_FILE' : method === 'jwt' ? 'restart with a new SDP_SLURMDEPLOY_SLURM_JWT' : 'the token server',
      });
      return;
    }
    case 'tokenFailed':
      log.warning('Slurm token refresh failed', {
        method,
        reason: event.reason,
        kind: event.failure.kind,
        error: event.failure.message,
        attempt: event.attempt,
        retryInSeconds: seconds(event.retryAt),
      });
      return;
    case 'refreshDeferred':
      log.warning('Slurm rejected the refreshed token too; asking again after a backoff', { method, kind: 'auth', attempt: event.attempt, retryInSeconds: seconds(event.retryAt) });
  }
}
