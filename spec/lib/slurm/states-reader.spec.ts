// readStates over a source that counts its requests: ids chunked under the URL budget, `all` in
// one request, and discovery above a floor by lookups (few unknown ids) or one full list (many),
// never looking up a foreign id twice.

import { expect } from 'chai';
import fc from 'fast-check';
import type { SlurmJob } from '../../../lib/core/slurm-job.js';
import { SlurmRequestError } from '../../../lib/slurm/slurm-api.js';
import { createStatesReader, idChunks, MAX_DISCOVERY_LOOKUPS, type StatesSource } from '../../../lib/slurm/states-reader.js';

const LABEL = 'sdp_slurm_deployer_rel_ns';
const running = { base: 'RUNNING', flags: [] };

class Cluster implements StatesSource {
  readonly jobs = new Map<number, SlurmJob>();
  readonly calls: string[] = [];

  add(jobId: number, mcsLabel: string): void {
    this.jobs.set(jobId, { jobId, name: `j${jobId}`, mcsLabel, comment: '', state: running, reason: 'None' });
  }

  list(jobIds?: readonly number[]) {
    this.calls.push(jobIds === undefined ? 'all' : `ids:${jobIds.length}`);
    const listed = [...this.jobs.values()].filter((j) => jobIds === undefined || jobIds.includes(j.jobId));
    return Promise.resolve({ states: listed.map((j) => ({ jobId: j.jobId, state: j.state })), highestJobId: Math.max(0, ...listed.map((j) => j.jobId)) });
  }

  lookup(jobId: number) {
    this.calls.push(`lookup:${jobId}`);
    return Promise.resolve(this.jobs.get(jobId));
  }

  fullList() {
    this.calls.push('fullList');
    return Promise.resolve([...this.jobs.values()].filter((j) => j.mcsLabel === LABEL));
  }
}

describe('readStates (states-reader.ts)', () => {
  it('chunks ids so that every query stays within the budget, each id in exactly one chunk, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4_294_967_294 }), { maxLength: 3000 }), fc.integer({ min: 30, max: 8000 }), (ids, budget) => {
        const chunks = idChunks(ids, budget);
        expect(chunks.flat()).to.deep.equal(ids);
        for (const chunk of chunks) {
          expect(chunk.length).to.be.greaterThan(0);
          expect(chunk.map((id) => `job_id=${id}&`).join('').length).to.be.at.most(budget);
        }
      }),
    );
    // 1,000 seven-digit ids: 15 characters each, two requests under the default 7,500.
    expect(idChunks(Array.from({ length: 1000 }, (_, i) => 1_000_000 + i)).map((c) => c.length)).to.deep.equal([500, 500]);
  });

  it('by ids: the states of those Slurm knows, in as few requests as the URL budget allows; none asked, none sent', async () => {
    const cluster = new Cluster();
    for (let id = 1_000_001; id <= 1_000_600; id++) cluster.add(id, LABEL);
    const read = createStatesReader(cluster, LABEL);
    const asked = [...Array.from({ length: 600 }, (_, i) => 1_000_001 + i), 9_999_999];
    const reading = await read({ jobIds: asked });
    expect(reading.states.map((s) => s.jobId).sort()).to.deep.equal(asked.slice(0, 600));
    expect(reading).not.to.have.property('maxJobId');
    expect(cluster.calls).to.deep.equal(['ids:500', 'ids:101']);
    expect(await read({ jobIds: [] })).to.deep.equal({ states: [] });
    expect(cluster.calls).to.have.length(2);
  });

  it('all: one request, the states asked for only, and the highest id of the cluster', async () => {
    const cluster = new Cluster();
    cluster.add(5, LABEL);
    cluster.add(80, 'someone_else');
    const reading = await createStatesReader(cluster, LABEL)({ jobIds: [5, 6], all: true });
    expect(reading).to.deep.equal({ states: [{ jobId: 5, state: running }], maxJobId: 80 });
    expect(cluster.calls).to.deep.equal(['all']);
  });

  it('discover: looks up the unknown ids above the floor once each, keeps the labelled ones, and never looks up a foreign one again', async () => {
    const cluster = new Cluster();
    cluster.add(10, LABEL); // at the floor: not looked up
    cluster.add(11, LABEL); // asked for
    cluster.add(12, LABEL); // known
    cluster.add(13, 'someone_else');
    cluster.add(14, LABEL); // the one to find
    const read = createStatesReader(cluster, LABEL);
    const first = await read({ jobIds: [11], discover: { above: 10, known: [12] } });
    expect(first.states.map((s) => s.jobId)).to.deep.equal([11]);
    expect(first.maxJobId).to.equal(14);
    expect(first.discovered?.map((j) => j.jobId)).to.deep.equal([14]);
    expect(cluster.calls).to.deep.equal(['all', 'lookup:13', 'lookup:14']);

    cluster.calls.length = 0;
    cluster.add(15, 'someone_else');
    const second = await read({ jobIds: [11, 14], discover: { above: 10, known: [12] } });
    expect(second.discovered).to.deep.equal([]);
    expect(cluster.calls).to.deep.equal(['all', 'lookup:15']);
  });

  it('discover: more unknown ids than lookups allow are read from one full list instead', async () => {
    const cluster = new Cluster();
    for (let id = 101; id <= 100 + MAX_DISCOVERY_LOOKUPS + 1; id++) cluster.add(id, id % 10 === 0 ? LABEL : 'someone_else');
    const read = createStatesReader(cluster, LABEL);
    const reading = await read({ jobIds: [], discover: { above: 100, known: [] } });
    expect(reading.discovered?.map((j) => j.jobId)).to.deep.equal([110, 120, 130]);
    expect(cluster.calls).to.deep.equal(['all', 'fullList']);
    // The foreign ones are remembered: the next discovery sends nothing beyond the states.
    cluster.calls.length = 0;
    await read({ jobIds: [110, 120, 130], discover: { above: 100, known: [] } });
    expect(cluster.calls).to.deep.equal(['all']);
  });

  it('discover without a label: every unknown job above the floor is discovered', async () => {
    const cluster = new Cluster();
    cluster.add(3, 'a');
    cluster.add(4, '');
    const reading = await createStatesReader(cluster, undefined)({ jobIds: [], discover: { above: 2, known: [] } });
    expect(reading.discovered?.map((j) => j.jobId)).to.deep.equal([3, 4]);
  });

  it('forgets foreign ids at or below the floor asked and those no longer listed, so they cost lookups again only below a lower floor', async () => {
    const cluster = new Cluster();
    cluster.add(21, 'someone_else');
    cluster.add(22, 'someone_else');
    const read = createStatesReader(cluster, LABEL);
    await read({ jobIds: [], discover: { above: 20, known: [] } });
    await read({ jobIds: [], discover: { above: 21, known: [] } }); // 21 forgotten (at the floor)
    cluster.jobs.delete(22); // 22 ends and is purged: forgotten
    cluster.calls.length = 0;
    await read({ jobIds: [], discover: { above: 20, known: [] } });
    expect(cluster.calls).to.deep.equal(['all', 'lookup:21']);
    cluster.add(22, 'someone_else'); // the id comes back (MaxJobId wrapped): looked up again
    cluster.calls.length = 0;
    await read({ jobIds: [], discover: { above: 20, known: [] } });
    expect(cluster.calls).to.deep.equal(['all', 'lookup:22']);
  });

  it('a failed lookup fails the reading; the foreign ids the others found are not looked up again', async () => {
    const cluster = new Cluster();
    for (const id of [31, 32, 33, 34, 35]) cluster.add(id, 'someone_else');
    const read = createStatesReader(cluster, LABEL);
    const lookup = cluster.lookup.bind(cluster);
    cluster.lookup = (id) => (id === 35 ? Promise.reject(new SlurmRequestError({ kind: 'transient', message: 'getJob: HTTP 500' })) : lookup(id));
    const error = await read({ jobIds: [], discover: { above: 30, known: [] } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as SlurmRequestError).failure.kind).to.equal('transient');
    cluster.lookup = lookup;
    cluster.calls.length = 0;
    await read({ jobIds: [], discover: { above: 30, known: [] } });
    expect(cluster.calls).to.deep.equal(['all', 'lookup:35']);
  });

  it('refuses ids that are not positive integers, and a negative floor, as permanent failures, sending nothing', async () => {
    const cluster = new Cluster();
    const read = createStatesReader(cluster, LABEL);
    for (const request of [{ jobIds: [0] }, { jobIds: [1.5] }, { jobIds: [], discover: { above: -1, known: [] } }]) {
      const error = await read(request).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as SlurmRequestError).failure.kind).to.equal('permanent');
    }
    expect(cluster.calls).to.deep.equal([]);
  });
});
