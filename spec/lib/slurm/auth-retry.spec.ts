import { expect } from 'chai';
import type { Failure } from '../../../lib/core/failure.js';
import { Secret } from '../../../lib/base/secret.js';
import type { JobSpec } from '../../../lib/core/slurm-job.js';
import { retryOnceWithFreshToken, type TokenRenewal } from '../../../lib/slurm/auth-retry.js';
import { SlurmRequestError, UNPACED, type SlurmApi } from '../../../lib/slurm/slurm-api.js';

const auth: Failure = { kind: 'auth', message: 'submit: HTTP 500: Zero Bytes were transmitted or received [Slurm error 5005]: slurmctld rejected the credentials' };

/** A Slurm that rejects every request made while the token is `bad`. */
function fakes(renewTo: string | undefined) {
  let token = new Secret('bad');
  const sent: string[] = [];
  const renewals: string[] = [];
  const call = async <T>(value: T): Promise<T> => {
    sent.push(token.reveal());
    if (token.reveal() === 'bad' || token.reveal() === 'also-bad') throw new SlurmRequestError(auth, 500);
    return value;
  };
  const api: SlurmApi = {
    version: 'v0.0.38',
    submit: () => call(17),
    listJobs: () => call([]),
    getJob: () => call(undefined),
    cancel: () => call(undefined),
    readsStates: true,
    readStates: async () => ({ states: [] }),
    pacing: () => UNPACED,
    close: async () => undefined,
  };
  const tokens: TokenRenewal = {
    current: () => token,
    renewAfterRejection: async (rejected) => {
      renewals.push(rejected.reveal());
      if (renewTo === undefined) return false;
      token = new Secret(renewTo);
      return true;
    },
  };
  return { api, tokens, sent, renewals };
}

const spec = { name: 'x' } as unknown as JobSpec;

describe('retryOnceWithFreshToken', () => {
  it('renews a rejected token once and makes the same request once more, a submit included', async () => {
    const f = fakes('good');
    const retries: string[] = [];
    const api = retryOnceWithFreshToken(f.api, f.tokens, (operation, failure) => retries.push(`${operation} ${failure.kind}`));
    expect(await api.submit(spec)).to.equal(17);
    expect(f.sent).to.deep.equal(['bad', 'good']);
    expect(f.renewals).to.deep.equal(['bad']);
    expect(retries).to.deep.equal(['submit auth']);
    expect(api.version).to.equal('v0.0.38');
  });

  it('never more than once: a fresh token rejected too fails with that rejection', async () => {
    const f = fakes('also-bad');
    const api = retryOnceWithFreshToken(f.api, f.tokens);
    const error = await api.listJobs().then(() => undefined, (e: unknown) => e);
    expect((error as SlurmRequestError).failure).to.deep.equal(auth);
    expect(f.sent).to.deep.equal(['bad', 'also-bad']);
    expect(f.renewals).to.deep.equal(['bad']);
  });

  it('does not retry when no other token is to be had', async () => {
    const f = fakes(undefined);
    const error = await retryOnceWithFreshToken(f.api, f.tokens).cancel(3).then(() => undefined, (e: unknown) => e);
    expect((error as SlurmRequestError).failure.kind).to.equal('auth');
    expect(f.sent).to.deep.equal(['bad']);
  });

  it('leaves every other failure alone', async () => {
    const f = fakes('good');
    const transient = new SlurmRequestError({ kind: 'transient', message: 'listJobs: slurmrestd unreachable (ECONNREFUSED)' });
    const api = retryOnceWithFreshToken({ ...f.api, listJobs: () => Promise.reject(transient) }, f.tokens);
    expect(await api.listJobs().then(() => undefined, (e: unknown) => e)).to.equal(transient);
    expect(f.renewals).to.deep.equal([]);
  });
});
