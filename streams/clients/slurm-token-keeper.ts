// The Slurm token every request uses: the token stream (streams/clients/token-refresh.ts) kept running
// behind a promise-based TokenProvider, so that slurm-http reads the token in use, a request
// waits for the first one, and any number of requests that report the same rejected token cause
// a single refresh. No usable token: the request fails with a NoSlurmTokenError (kind auth).

import { asyncScheduler, firstValueFrom, Observable, Subject, type Subscription } from 'rxjs';
import { timeout } from 'rxjs/operators';
import type { HeldToken, TokenEvent } from '../../lib/auth/token-events.js';
import { NoSlurmTokenError, sameToken, type AuthMethod, type SlurmCredentials, type TokenProvider, type TokenSource } from '../../lib/auth/token-provider.js';
import type { Secret } from '../../lib/base/secret.js';
import { timeoutMs } from '../time/delay.js';
import { TOKEN_FETCH_TIMEOUT_MS, tokenRefresh, type TokenRefreshOptions } from './token-refresh.js';

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
