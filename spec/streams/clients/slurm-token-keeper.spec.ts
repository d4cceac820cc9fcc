// keepSlurmToken in real time, with a fake source: one token shared by every request, one
// refresh for any number of rejections of it, failures as auth errors of the requests.

import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { NoSlurmTokenError, TokenSourceError, type IssuedToken, type TokenSource } from '../../../lib/auth/token-provider.js';
import { Secret } from '../../../lib/base/secret.js';
import type { TokenEvent } from '../../../lib/auth/token-events.js';
import { keepSlurmToken, type SlurmTokens } from '../../../streams/clients/slurm-token-keeper.js';

function fakeSource(answer: (n: number) => IssuedToken | Error, delayMs = 20) {
  let calls = 0;
  const source: TokenSource = {
    method: 'entra',
    userName: 'slurmjob',
    obtain: async () => {
      const n = ++calls;
      await sleep(delayMs);
      const a = answer(n);
      if (a instanceof Error) throw a;
      return a;
    },
  };
  return { source, calls: () => calls };
}

const fresh = (name: string, lifetimeMs = 60_000): IssuedToken => ({ token: new Secret(name), issuedAt: Date.now(), expiresAt: Date.now() + lifetimeMs });

describe('keepSlurmToken', () => {
  let tokens: SlurmTokens | undefined;
  afterEach(() => tokens?.close());

  it('gives every request the same token, asked for once', async () => {
    const f = fakeSource((n) => fresh(`t${n}`));
    tokens = keepSlurmToken(f.source);
    const events: TokenEvent['type'][] = [];
    tokens.events.subscribe((e) => events.push(e.type));
    const all = await Promise.all(Array.from({ length: 10 }, () => tokens!.credentials()));
    expect(new Set(all.map((c) => c.token.reveal()))).to.deep.equal(new Set(['t1']));
    expect(all[0]!.userName).to.equal('slurmjob');
    expect(f.calls()).to.equal(1);
    expect(events).to.deep.equal(['tokenObtained']);
    expect(tokens.expiry()).to.be.closeTo(Date.now() / 1000 + 60, 2);
  });

  it('renews a rejected token once for any number of requests that report it; a late report finds the new one', async () => {
    const f = fakeSource((n) => fresh(`t${n}`));
    tokens = keepSlurmToken(f.source);
    const t1 = (await tokens.credentials()).token;
    const answers = await Promise.all(Array.from({ length: 5 }, () => tokens!.renewAfterRejection(t1)));
    expect(answers).to.deep.equal([true, true, true, true, true]);
    expect(f.calls()).to.equal(2);
    expect((await tokens.credentials()).token.reveal()).to.equal('t2');
    expect(await tokens.renewAfterRejection(t1)).to.equal(true);
    expect(f.calls()).to.equal(2);
  });

  it('says no retry is worth it when the source gives the same token again', async () => {
    const f = fakeSource(() => ({ token: new Secret('static') }));
    tokens = keepSlurmToken(f.source);
    const t = (await tokens.credentials()).token;
    expect(await tokens.renewAfterRejection(t)).to.equal(false);
    // Rejected again: this token came from a rejection, so the next read waits for a backoff.
    expect(await tokens.renewAfterRejection(t)).to.equal(false);
    expect(f.calls()).to.equal(2);
  });

  it('a source that fails from the start: requests fail as auth, saying why, and the source is asked again with backoff', async () => {
    const f = fakeSource(() => new TokenSourceError('no token from https://login.example/t (client credentials): ECONNREFUSED'));
    tokens = keepSlurmToken(f.source, { backoff: { baseMs: 50, maxMs: 50 } });
    const error = await tokens.credentials().then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(NoSlurmTokenError);
    expect((error as NoSlurmTokenError).failure).to.deep.equal({ kind: 'auth', message: 'no usable Slurm token: no token from https://login.example/t (client credentials): ECONNREFUSED' });
    await sleep(300);
    expect(f.calls()).to.be.greaterThan(2);
  });

  it('keeps using a token that is still valid while its refresh fails, and none once it has expired', async () => {
    const f = fakeSource((n) => (n === 1 ? fresh('t1', 1000) : new TokenSourceError('the token server is down')), 5);
    tokens = keepSlurmToken(f.source, { backoff: { baseMs: 40, maxMs: 40 } });
    expect((await tokens.credentials()).token.reveal()).to.equal('t1');
    await sleep(880); // past 80% of 1000 ms: refreshes failed, t1 still valid
    expect(f.calls()).to.be.greaterThan(1);
    expect((await tokens.credentials()).token.reveal()).to.equal('t1');
    await sleep(250);
    const error = await tokens.credentials().then(() => undefined, (e: unknown) => e);
    expect((error as NoSlurmTokenError).failure.message).to.equal('no usable Slurm token: the token server is down');
  });
  it('a token living longer than a Node timer can wait (2^31 ms) is asked for once, never in a loop (issue 11, 3)', async () => {
    const days = 24 * 3600 * 1000;
    const f = fakeSource(() => ({ token: new Secret('year-long'), issuedAt: Date.now(), expiresAt: Date.now() + 365 * days }), 1);
    tokens = keepSlurmToken(f.source);
    const events: TokenEvent[] = [];
    tokens.events.subscribe((e) => events.push(e));
    expect((await tokens.credentials()).token.reveal()).to.equal('year-long');
    await sleep(200);
    expect(f.calls()).to.equal(1);
    expect(events.map((e) => e.type)).to.deep.equal(['tokenObtained']);
  });
});
