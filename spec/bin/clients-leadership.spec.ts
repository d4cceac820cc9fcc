// The clients obey the replica's leadership they are opened with (the deployer's one Slurm gate):
// once connected, each Slurm request asks canAct() just before it goes out, and one that may not
// act sends nothing and fails as transient. Without a leadership (status, plan) nothing is gated.

import { expect } from 'chai';
import { openClientsOrExit, type Clients } from '../../bin/clients.js';
import { readConfig } from '../../lib/config/deployer-config.js';
import { SlurmRequestError } from '../../lib/slurm/slurm-api.js';
import { FakeSlurmrestd } from '../support/fake-slurmrestd.js';
import { MINIMAL_ENV } from '../support/fixtures.js';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJzbHVybWpvYiIsImV4cCI6OTk5OTk5OTk5OX0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';

describe('the clients under the leadership they are opened with', function () {
  this.timeout(30_000);
  let fake: FakeSlurmrestd;
  let clients: Clients | undefined;

  beforeEach(async () => {
    fake = await FakeSlurmrestd.start({ versions: ['v0.0.42'], userName: 'slurmjob', token: TOKEN });
  });

  afterEach(async () => {
    await clients?.close();
    clients = undefined;
    await fake.close();
  });

  const open = async (leadership?: { canAct(): boolean }) => {
    const result = readConfig({ ...MINIMAL_ENV, SDP_SLURMDEPLOY_SLURM_URL: fake.url, SDP_SLURMDEPLOY_SLURM_JWT: TOKEN, SDP_CONFIG_BACKEND: 'memory' });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    clients = await openClientsOrExit(result.config, { waitForSlurm: false, ...(leadership === undefined ? {} : { leadership }) });
    return clients.slurm;
  };
  const listings = () => fake.requests.filter((r) => r.method === 'GET' && /\/jobs\/?(\?|$)/.test(r.url)).length;

  it('asks canAct() before each request once connected: nothing is sent while it may not act', async () => {
    let leading = false;
    let asked = 0;
    const slurm = await open({ canAct: () => (asked++, leading) });
    const before = listings();
    const refused = await slurm.listJobs().then(() => undefined, (error: unknown) => error);
    expect(refused).to.be.instanceOf(SlurmRequestError);
    expect((refused as SlurmRequestError).failure).to.deep.include({ kind: 'transient' });
    expect((refused as SlurmRequestError).failure.message).to.match(/not sent: this replica does not lead/);
    expect(listings()).to.equal(before);
    leading = true;
    await slurm.listJobs();
    expect(listings()).to.equal(before + 1);
    expect(asked).to.equal(2);
  });

  it('without a leadership (status, plan) every request goes out', async () => {
    const slurm = await open();
    const before = listings();
    await slurm.listJobs();
    expect(listings()).to.equal(before + 1);
  });
});
