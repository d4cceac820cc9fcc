// What the job registry costs etcd (issue 19): the whole pipeline (the real reducer with state
// polls and a watermark, the sinks, the REST client, a fake slurmrestd on v0.0.42, the memory
// Config DB, which commits a transaction of at most 100 registry writes as etcd's backend does)
// with 1,000 deployments put at once, then deleted at once. Each job is registered once and its key
// removed once, and polls while nothing changes write none. The figures are logged: the memory
// backend answers at once, so a recordJobs goes with about every submit answered (one is in flight
// at a time), the fewest keys a transaction of all backends; the deletion's come in a few.

import { expect } from 'chai';
import { Subject } from 'rxjs';
import { staticJwtProvider } from '../../../lib/auth/static-jwt.js';
import { Secret } from '../../../lib/base/secret.js';
import type { ConfigDb } from '../../../lib/configdb/config-db.js';
import { createMemoryConfigDb } from '../../../lib/configdb/memory-config-db.js';
import type { ReducerSettings } from '../../../lib/core/world.js';
import { createReducer } from '../../../lib/core/reducer.js';
import { createSlurmRestClient } from '../../../lib/slurm/rest-client.js';
import { ticks } from '../../../streams/sources/clock.js';
import { configEvents } from '../../../streams/sources/config-source.js';
import { deployer, type DeployerOutput } from '../../../streams/loop/deployer.js';
import { createSinks } from '../../../streams/sinks/sinks.js';
import { eventually } from '../../support/eventually.js';
import { FakeSlurmrestd } from '../../support/fake-slurmrestd.js';
import { LABEL, settings } from '../../support/fixtures.js';

const N = 1000;
const USER = 'registryuser';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJyZWdpc3RyeXVzZXIifQ.cmVnaXN0cnk';

const SETTINGS: ReducerSettings = {
  ...settings,
  pollIntervalMs: 5_000,
  statePollIntervalMs: 200,
  watermark: { everyMs: 1_000, takeoverHoldMs: 0 },
};

/** recordJobs as the sink calls it: how often, how many keys, and the transactions (revisions) they took. */
interface RegistryCount {
  calls: number;
  transactions: number;
  puts: Map<number, number>;
  removals: Map<number, number>;
}

function counted(db: ReturnType<typeof createMemoryConfigDb>, count: RegistryCount): ConfigDb {
  return {
    listDeployments: (options) => db.listDeployments(options),
    watchDeployments: (after, listener) => db.watchDeployments(after, listener),
    writeState: (id, state) => db.writeState(id, state),
    writeStates: (writes) => db.writeStates(writes),
    deleteState: (id) => db.deleteState(id),
    writeWatermark: (label, watermark) => db.writeWatermark(label, watermark),
    async recordJobs(label, add, remove) {
      const before = db.revision;
      await db.recordJobs(label, add, remove);
      count.calls++;
      count.transactions += db.revision - before;
      for (const job of add) count.puts.set(job.jobId, (count.puts.get(job.jobId) ?? 0) + 1);
      for (const jobId of remove) count.removals.set(jobId, (count.removals.get(jobId) ?? 0) + 1);
    },
    close: () => db.close(),
  };
}

describe('the job registry, written by the whole pipeline', function () {
  this.timeout(120_000);

  it(`registers each of ${N} jobs put at once exactly once and removes each key once after the deletion, in batched transactions`, async () => {
    const fake = await FakeSlurmrestd.start({ versions: ['v0.0.42'], userName: USER, token: TOKEN, accounting: false });
    const memory = createMemoryConfigDb();
    const count: RegistryCount = { calls: 0, transactions: 0, puts: new Map(), removals: new Map() };
    const db = counted(memory, count);
    const slurm = createSlurmRestClient({ baseUrl: fake.url, version: 'v0.0.42', credentials: staticJwtProvider(USER, new Secret(TOKEN)) });
    const stop = new Subject<void>();
    let listed = false;
    let polled = 0;
    let completed = false;
    const subscription = deployer({
      sources: [configEvents(db, { watermarkOf: LABEL }), ticks(100)],
      sinks: createSinks(slurm, db, { label: LABEL }),
      reducer: createReducer(SETTINGS),
      stop,
    }).subscribe({
      next: (o: DeployerOutput) => {
        if (o.type !== 'step') return;
        if (o.event.type === 'configListed') listed = true;
        if (o.event.type === 'jobsPolled' || o.event.type === 'statesPolled') polled++;
      },
      complete: () => (completed = true),
    });
    const registered = async () => (await memory.listDeployments({ watermarkOf: LABEL })).registeredJobs ?? [];
    const ids = Array.from({ length: N }, (_, i) => `reg-${String(i).padStart(4, '0')}`);
    try {
      await eventually('the listing and a first poll', async () => (listed && polled > 0) || undefined, 10_000, 20);
      for (const id of ids) memory.putDeployment(id, { key: id, kind: 'slurm', args: { script: '#!/bin/bash\nsleep 600\n' } });
      const submitRevision = memory.revision;
      await eventually(`${N} jobs registered`, async () => (await registered()).length === N || undefined, 90_000, 100);
      const submitted = { calls: count.calls, transactions: count.transactions, revisions: memory.revision - submitRevision };

      // The keys name the jobs Slurm holds, each for the deployment it serves.
      const jobs = [...fake.jobs.values()];
      expect(jobs).to.have.length(N);
      expect((await registered()).map((job) => [job.jobId, job.deployment])).to.deep.equal(jobs.map((job) => [job.jobId, job.name]).sort((a, b) => Number(a[0]) - Number(b[0])));
      expect([...count.puts.values()].every((n) => n === 1), 'a job registered twice').to.equal(true);
      expect(count.puts.size).to.equal(N);

      // Nothing changes in Slurm: polls write no key.
      const steady = { calls: count.calls, polled };
      await eventually('five more polls', async () => polled >= steady.polled + 5 || undefined, 10_000, 20);
      expect(count.calls, 'registry writes while nothing changed').to.equal(steady.calls);

      const deleteRevision = memory.revision;
      const before = { calls: count.calls, transactions: count.transactions };
      for (const id of ids) memory.deleteDeployment(id);
      await eventually('the registry emptied', async () => (await registered()).length === 0 || undefined, 90_000, 100);
      expect([...fake.jobs.values()].filter((job) => job.state[0] !== 'CANCELLED')).to.deep.equal([]);
      expect([...count.removals.values()].every((n) => n === 1), 'a key removed twice').to.equal(true);
      expect(count.removals.size).to.equal(N);
      expect([...count.puts.values()].every((n) => n === 1), 'a job registered again').to.equal(true);
      const deleted = { calls: count.calls - before.calls, transactions: count.transactions - before.transactions, revisions: memory.revision - deleteRevision };

      // At most 100 writes a transaction: 1,000 keys take 10 of them at the fewest.
      expect(submitted.transactions).to.be.within(N / 100, N);
      expect(deleted.transactions).to.be.within(N / 100, N);
      console.log(
        `      registry: ${N} jobs put at once: ${N} keys in ${submitted.calls} recordJobs, ${submitted.transactions} transactions ` +
          `(${submitted.revisions} Config DB revisions in all, state writes included); deleted: ${N} removals in ${deleted.calls} recordJobs, ` +
          `${deleted.transactions} transactions (${deleted.revisions} revisions in all)`,
      );
    } finally {
      stop.next();
      await eventually('the deployer stopped', async () => completed || undefined, 10_000, 20).catch(() => undefined);
      subscription.unsubscribe();
      await slurm.close();
      await memory.close();
      await fake.close();
    }
  });
});
