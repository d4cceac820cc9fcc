// Marble specs of the token's life: the refresh at the fixed fraction of the lifetime (exactly,
// in virtual time), the single refresh when Slurm rejects the token, backoff while the source
// fails, and what a token that cannot be replaced does.

import { expect } from 'chai';
import { Observable, Subject, throwError } from 'rxjs';
import { map } from 'rxjs/operators';
import { TestScheduler } from 'rxjs/testing';
import { REFRESH_FRACTION } from '../../../lib/auth/refresh-plan.js';
import { TokenSourceError, type IssuedToken } from '../../../lib/auth/token-provider.js';
import { backoffDelay } from '../../../lib/core/backoff.js';
import { Secret } from '../../../lib/base/secret.js';
import type { TokenEvent } from '../../../lib/auth/token-events.js';
import { TOKEN_BACKOFF, tokenRefresh } from '../../../streams/clients/token-refresh.js';
import { observableMatcher } from '../../support/observable-matcher.js';

/** One letter per event: o obtained (changed), s obtained stale, f failed, d deferred. */
function letters(events: Observable<TokenEvent>): Observable<string> {
  return events.pipe(map((e) => (e.type === 'tokenObtained' ? (e.stale ? 's' : 'o') : e.type === 'tokenFailed' ? 'f' : 'd')));
}

describe('tokenRefresh: the token stream', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler(observableMatcher);
  });

  /** A source whose n-th token (from 1) lives `lifetimeMs` from the moment it is asked for, answered after `answerFrames`. */
  function freshTokens(lifetimeMs: number, answerFrames = 1) {
    const asked: number[] = [];
    const fetchToken = () => {
      const at = scheduler.now();
      asked.push(at);
      const token: IssuedToken = { token: new Secret(`token-${asked.length}`), issuedAt: at, expiresAt: at + lifetimeMs };
      return scheduler.createColdObservable(`${'-'.repeat(answerFrames)}(t|)`, { t: token });
    };
    return { asked, fetchToken };
  }

  it(`asks for the next token at ${REFRESH_FRACTION * 100}% of each token's lifetime, counted from its issue, not at its expiry`, () => {
    scheduler.run(({ hot, expectObservable }) => {
      const source = freshTokens(10_000);
      const events = tokenRefresh({ fetchToken: source.fetchToken, rejections: hot<Secret>('-'), scheduler });
      // Asked at 0, 8000, 16000; each answer comes one frame later.
      expectObservable(letters(events), '^ 20000ms !').toBe('-o 7999ms o 7999ms o');
      scheduler.flush();
      expect(source.asked).to.deep.equal([0, 8000, 16_000]);
    });
  });

  it('plans from the lifetime the token states: 20 s tokens are refreshed every 16 s, 15 s tokens every 12 s', () => {
    for (const [lifetime, every] of [
      [20_000, 16_000],
      [15_000, 12_000],
      [3_600_000, 2_880_000],
    ] as const) {
      scheduler = new TestScheduler(observableMatcher);
      scheduler.run(({ hot }) => {
        const source = freshTokens(lifetime, 0);
        const obtained: [number, number | undefined][] = [];
        const sub = tokenRefresh({ fetchToken: source.fetchToken, rejections: hot<Secret>('-'), scheduler }).subscribe((e) => {
          if (e.type === 'tokenObtained') obtained.push([scheduler.now(), e.refreshAt]);
        });
        scheduler.schedule(() => sub.unsubscribe(), every * 3 + 1);
        scheduler.flush();
        expect(source.asked, `lifetime ${lifetime}`).to.deep.equal([0, every, every * 2, every * 3]);
        expect(obtained.map(([, at]) => at)).to.deep.equal([every, every * 2, every * 3, every * 4]);
      });
    }
  });

  it('refreshes at once when Slurm rejects the token, a single time however many requests report it, and ignores an old token', () => {
    scheduler.run(({ hot, expectObservable }) => {
      const source = freshTokens(10_000);
      const first = new Secret('token-1');
      //                       0  3  6  9
      const rejections = hot('---abc---d', { a: first, b: first, c: first, d: first });
      const events = tokenRefresh({ fetchToken: source.fetchToken, rejections, scheduler });
      // token-1 at 1, rejected at 3 -> token-2 at 4; the rejections of token-1 at 4, 5 and 9 ask nothing more.
      expectObservable(letters(events), '^ 100ms !').toBe('-o--o');
      scheduler.flush();
      expect(source.asked).to.deep.equal([0, 3]);
    });
  });

  it('after a rejection, the new token is refreshed at its own fraction', () => {
    scheduler.run(({ hot }) => {
      const source = freshTokens(10_000, 0);
      const rejections = hot('- 2999ms a', { a: new Secret('token-1') });
      const sub = tokenRefresh({ fetchToken: source.fetchToken, rejections, scheduler }).subscribe();
      scheduler.schedule(() => sub.unsubscribe(), 20_000);
      scheduler.flush();
      // Rejected at 3000: token-2 from 3000, due at 3000 + 8000.
      expect(source.asked).to.deep.equal([0, 3000, 11_000, 19_000]);
    });
  });

  it('a token that replaced a rejected one and is rejected too is asked for again only after a backoff', () => {
    scheduler.run(({ hot }) => {
      const source = freshTokens(60_000, 0);
      const rejections = hot('-a-b 1000ms c', { a: new Secret('token-1'), b: new Secret('token-2'), c: new Secret('token-3') });
      const seen: [number, string][] = [];
      const sub = tokenRefresh({ fetchToken: source.fetchToken, rejections, scheduler }).subscribe((e) => seen.push([scheduler.now(), e.type]));
      scheduler.schedule(() => sub.unsubscribe(), 10_000);
      scheduler.flush();
      const first = backoffDelay(TOKEN_BACKOFF, 'slurm-token-rejected', 1);
      const second = backoffDelay(TOKEN_BACKOFF, 'slurm-token-rejected', 2);
      // token-1 rejected at 1: token-2 at once. token-2 rejected at 3: deferred by the first backoff.
      // token-3 (from that deferred refresh) rejected at 1004 + ...: deferred by the second.
      expect(seen.slice(0, 4)).to.deep.equal([
        [0, 'tokenObtained'],
        [1, 'tokenObtained'],
        [3, 'refreshDeferred'],
        [3 + first, 'tokenObtained'],
      ]);
      expect(source.asked.slice(0, 3)).to.deep.equal([0, 1, 3 + first]);
      expect(first).to.be.within(500, 1000);
      expect(second).to.be.within(1000, 2000);
    });
  });

  it('backs off while the source fails, keeps no error in the stream, then goes on at the fraction', () => {
    scheduler.run(({ hot }) => {
      let calls = 0;
      const asked: number[] = [];
      const fetchToken = () => {
        asked.push(scheduler.now());
        calls++;
        if (calls <= 3) return throwError(() => new TokenSourceError('no token from https://login.example (client credentials): ECONNREFUSED'));
        const at = scheduler.now();
        return scheduler.createColdObservable('(t|)', { t: { token: new Secret('ok'), issuedAt: at, expiresAt: at + 10_000 } });
      };
      const seen: TokenEvent[] = [];
      const sub = tokenRefresh({ fetchToken, rejections: hot<Secret>('-'), scheduler }).subscribe((e) => seen.push(e));
      scheduler.schedule(() => sub.unsubscribe(), 30_000);
      scheduler.flush();
      const d = [1, 2, 3].map((n) => backoffDelay(TOKEN_BACKOFF, 'slurm-token', n));
      const t1 = d[0]!;
      const t2 = t1 + d[1]!;
      const t3 = t2 + d[2]!;
      expect(asked.slice(0, 5)).to.deep.equal([0, t1, t2, t3, t3 + 8000]);
      expect(seen.slice(0, 4).map((e) => [e.type, e.type === 'tokenFailed' ? e.attempt : 0, e.type === 'tokenObtained' || e.type === 'tokenFailed' ? e.reason : ''])).to.deep.equal([
        ['tokenFailed', 1, 'start'],
        ['tokenFailed', 2, 'retry'],
        ['tokenFailed', 3, 'retry'],
        ['tokenObtained', 0, 'retry'],
      ]);
      const failure = seen[0]?.type === 'tokenFailed' ? seen[0].failure : undefined;
      expect(failure).to.deep.equal({ kind: 'auth', message: 'no token from https://login.example (client credentials): ECONNREFUSED' });
      expect(d[2]).to.be.greaterThan(d[0]!);
    });
  });

  it('a source that does not answer fails after the fetch timeout, as auth', () => {
    scheduler.run(({ hot, cold, expectObservable }) => {
      const events = tokenRefresh({ fetchToken: () => cold<IssuedToken>('-'), rejections: hot<Secret>('-'), fetchTimeoutMs: 5000, scheduler });
      const failures = events.pipe(map((e) => (e.type === 'tokenFailed' ? `${e.failure.kind}: ${e.failure.message}` : e.type)));
      expectObservable(failures, '^ 5001ms !').toBe('5000ms a', { a: 'auth: no token within 5 s' });
    });
  });

  it('a static token past its refresh point is stale: checked again after half its remaining life (1 s at least), then every 30 s once expired', () => {
    scheduler.run(({ hot }) => {
      // Issued at -80 s, expires at +20 s: its refresh point (+0) has passed when it is read.
      const token: IssuedToken = { token: new Secret('static'), issuedAt: -80_000, expiresAt: 20_000 };
      const seen: [number, boolean, boolean, number | undefined][] = [];
      const sub = tokenRefresh({ fetchToken: () => scheduler.createColdObservable('(t|)', { t: token }), rejections: hot<Secret>('-'), scheduler }).subscribe((e) => {
        if (e.type === 'tokenObtained') seen.push([scheduler.now(), e.changed, e.stale, e.refreshAt]);
      });
      scheduler.schedule(() => sub.unsubscribe(), 60_000);
      scheduler.flush();
      expect(seen).to.deep.equal([
        [0, true, true, 10_000],
        [10_000, false, true, 15_000],
        [15_000, false, true, 17_500],
        [17_500, false, true, 18_750],
        // Half of the 1.25 s left is under the 1 s floor.
        [18_750, false, true, 19_750],
        [19_750, false, true, 20_750],
        [20_750, false, true, 50_750],
        [50_750, false, true, 80_750],
      ]);
    });
  });

  it('a file replaced before the refresh point gives a fresh token there: a change, not stale', () => {
    scheduler.run(({ hot }) => {
      let file: IssuedToken = { token: new Secret('first'), issuedAt: 0, expiresAt: 10_000 };
      scheduler.schedule(() => {
        file = { token: new Secret('second'), issuedAt: 5000, expiresAt: 25_000 };
      }, 5000);
      const seen: [number, string, boolean, boolean, number | undefined][] = [];
      const sub = tokenRefresh({ fetchToken: () => scheduler.createColdObservable('(t|)', { t: file }), rejections: hot<Secret>('-'), scheduler }).subscribe((e) => {
        if (e.type === 'tokenObtained') seen.push([scheduler.now(), e.token.token.reveal(), e.changed, e.stale, e.refreshAt]);
      });
      scheduler.schedule(() => sub.unsubscribe(), 9000);
      scheduler.flush();
      expect(seen).to.deep.equal([
        [0, 'first', true, false, 8000],
        [8000, 'second', true, false, 21_000],
      ]);
    });
  });

  it('a token without exp is never refreshed on a timer, only when Slurm rejects it', () => {
    scheduler.run(({ hot, expectObservable }) => {
      let n = 0;
      const fetchToken = () => scheduler.createColdObservable('(t|)', { t: { token: new Secret(`opaque-${++n}`) } });
      const rejections = hot('- 49999ms a', { a: new Secret('opaque-1') });
      expectObservable(letters(tokenRefresh({ fetchToken, rejections, scheduler })), '^ 100000ms !').toBe('o 49999ms o');
    });
  });

  it('never errors and never completes, whatever the source throws', () => {
    scheduler.run(({ hot, expectObservable }) => {
      const fetchToken = () => throwError(() => new Error('boom'));
      const events = tokenRefresh({ fetchToken, rejections: hot<Secret>('-'), scheduler, backoff: { baseMs: 1000, maxMs: 1000 } });
      const d = backoffDelay({ baseMs: 1000, maxMs: 1000 }, 'slurm-token', 1);
      const d2 = backoffDelay({ baseMs: 1000, maxMs: 1000 }, 'slurm-token', 2);
      expectObservable(letters(events), `^ ${d + d2 + 1}ms !`).toBe(`f ${d - 1}ms f ${d2 - 1}ms f`);
    });
  });
});

describe('tokenRefresh with a hot Subject of rejections', () => {
  it('ignores rejections sent before it subscribed', () => {
    const scheduler = new TestScheduler(observableMatcher);
    scheduler.run(() => {
      const rejections = new Subject<Secret>();
      rejections.next(new Secret('token-1'));
      const asked: number[] = [];
      const fetchToken = () => {
        asked.push(scheduler.now());
        return scheduler.createColdObservable('(t|)', { t: { token: new Secret('token-1'), issuedAt: 0, expiresAt: 100_000 } });
      };
      const sub = tokenRefresh({ fetchToken, rejections, scheduler }).subscribe();
      scheduler.schedule(() => sub.unsubscribe(), 1000);
      scheduler.flush();
      expect(asked).to.deep.equal([0]);
    });
  });
});
