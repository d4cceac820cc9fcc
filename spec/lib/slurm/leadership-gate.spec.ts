import { expect } from 'chai';
import type { JobSpec } from '../../../lib/core/slurm-job.js';
import { retryOnceWithFreshToken } from '../../../lib/slurm/auth-retry.js';
import { gateRequests } from '../../../lib/slurm/leadership-gate.js';
import { Secret } from '../../../lib/base/secret.js';
import { SlurmRequestError, UNPACED, type SlurmApi } from '../../../lib/slurm/slurm-api.js';

describe('gateRequests', () => {
  const sent: string[] = [];
  let rejectFirstSubmit = false;
  const api: SlurmApi = {
    version: 'v0.0.38',
    submit: async () => {
      sent.push('submit');
      if (rejectFirstSubmit) {
        rejectFirstSubmit = false;
        throw new SlurmRequestError({ kind: 'auth', message: 'token rejected' }, 401);
      }
      return 7;
    },
    listJobs: async () => (sent.push('listJobs'), []),
    getJob: async () => (sent.push('getJob'), undefined),
    cancel: async () => void sent.push('cancel'),
    readsStates: true,
    readStates: async () => (sent.push('readStates'), { states: [] }),
    pacing: () => UNPACED,
    close: async () => undefined,
  };
  beforeEach(() => sent.splice(0));

  it('sends while the replica may act, and asks before every request', async () => {
    let asked = 0;
    const gated = gateRequests(api, () => (asked++, true));
    expect(await gated.submit({} as JobSpec)).to.equal(7);
    await gated.listJobs();
    await gated.getJob(1);
    await gated.cancel(1);
    expect(sent).to.deep.equal(['submit', 'listJobs', 'getJob', 'cancel']);
    expect(asked).to.equal(4);
  });

  it('sends nothing once it may not: a transient failure, so a submit is known not to have reached Slurm', async () => {
    const gated = gateRequests(api, () => false);
    for (const call of [() => gated.submit({} as JobSpec), () => gated.listJobs(), () => gated.getJob(1), () => gated.cancel(1)]) {
      const error = await call().then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(SlurmRequestError);
      expect((error as SlurmRequestError).failure.kind).to.equal('transient');
    }
    expect(sent).to.deep.equal([]);
  });

  it('under the token retry, the submit made again with a fresh token is asked about again (leadership may have lapsed during the refresh)', async () => {
    rejectFirstSubmit = true;
    let leading = true;
    const tokens = {
      current: () => new Secret('t1'),
      renewAfterRejection: async () => {
        leading = false; // the refresh took longer than the lease's proof
        return true;
      },
    };
    const api2 = retryOnceWithFreshToken(gateRequests(api, () => leading), tokens);
    const error = await api2.submit({} as JobSpec).then(() => undefined, (e: unknown) => e as SlurmRequestError);
    expect(error?.failure.kind).to.equal('transient');
    expect(sent).to.deep.equal(['submit']);
  });
});
