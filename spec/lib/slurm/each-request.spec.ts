// aroundEachRequest: every request of the wrapped client goes through the one function, named
// and with its arguments; the version reads through; close is no request and is passed on.

import { expect } from 'chai';
import type { JobSpec } from '../../../lib/core/slurm-job.js';
import { aroundEachRequest } from '../../../lib/slurm/each-request.js';
import type { SlurmOperation } from '../../../lib/slurm/failure-classification.js';
import { UNPACED, type SlurmApi } from '../../../lib/slurm/slurm-api.js';

describe('aroundEachRequest', () => {
  const sent: string[] = [];
  const inner = {
    version: 'v0.0.38',
    submit: async (spec: JobSpec) => (sent.push(`submit ${spec.name}`), 7),
    listJobs: async () => (sent.push('listJobs'), []),
    getJob: async (jobId: number) => (sent.push(`getJob ${jobId}`), undefined),
    cancel: async (jobId: number) => void sent.push(`cancel ${jobId}`),
    readsStates: true,
    readStates: async () => (sent.push('readStates'), { states: [] }),
    pacing: () => UNPACED,
    close: async () => void sent.push('close'),
  } satisfies SlurmApi;
  beforeEach(() => sent.splice(0));

  it('passes every request, and only requests, through the function, with its operation and arguments', async () => {
    const around: SlurmOperation[] = [];
    const api = aroundEachRequest(inner, (operation, call) => (around.push(operation), call()));
    expect(await api.submit({ name: 'j' } as JobSpec)).to.equal(7);
    expect(await api.listJobs()).to.deep.equal([]);
    await api.getJob(3);
    await api.cancel(4);
    await api.close();
    expect(around).to.deep.equal(['submit', 'listJobs', 'getJob', 'cancel']);
    expect(sent).to.deep.equal(['submit j', 'listJobs', 'getJob 3', 'cancel 4', 'close']);
  });

  it('sends nothing the function does not call, and resolves to what the function resolves to', async () => {
    const api = aroundEachRequest(inner, async <T>(_operation: SlurmOperation, call: () => Promise<T>) => {
      const first = await call();
      await call();
      return first;
    });
    expect(await api.submit({ name: 'twice' } as JobSpec)).to.equal(7);
    expect(sent).to.deep.equal(['submit twice', 'submit twice']);
    const refused = aroundEachRequest(inner, () => Promise.reject(new Error('no')));
    expect(await refused.getJob(1).then(() => 'sent', (e: Error) => e.message)).to.equal('no');
    expect(sent).to.have.length(2);
  });

  it('reads the version of the wrapped client each time (it may change under it)', () => {
    const mutable = { ...inner, version: 'v0.0.38' };
    const api = aroundEachRequest(mutable, (_operation, call) => call());
    mutable.version = 'v0.0.42';
    expect(api.version).to.equal('v0.0.42');
  });
});
