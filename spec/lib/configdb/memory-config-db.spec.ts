import { expect } from 'chai';
import { createMemoryConfigDb, type MemoryConfigDb } from '../../../lib/configdb/memory-config-db.js';
import { keyOfPath, stateKey } from '../../../lib/configdb/paths.js';
import { describeConfigDbBehaviour, summary, WatchRecorder } from './config-db-behaviour.js';

describeConfigDbBehaviour('memory', async () => {
  const db = createMemoryConfigDb();
  return {
    db,
    putDeployment: async (id, value) => db.putDeployment(id, value),
    putPath: async (path, text) => db.putRaw(keyOfPath(path), text),
    deleteDeployment: async (id) => {
      expect(db.deleteDeployment(id)).to.equal(true);
      return db.revision;
    },
    readState: async (id) => db.getRaw(stateKey(id)),
    dispose: () => db.close(),
  };
});

describe('memory Config DB', () => {
  let db: MemoryConfigDb;

  beforeEach(() => {
    db = createMemoryConfigDb();
  });

  afterEach(() => db.close());

  it('counts one revision per write, none for a refused one', async () => {
    expect(db.revision).to.equal(0);
    expect(db.putDeployment('a', { key: 'a', kind: 'slurm', args: {} })).to.equal(1);
    expect(db.putRaw('2/deploy/b', '{}')).to.equal(2);
    expect(await db.writeState('a', { status: 'PENDING' })).to.equal('written');
    expect(db.revision).to.equal(3);
    expect(await db.writeState('gone', { status: 'PENDING' })).to.equal('deployment-missing');
    expect(db.deleteDeployment('gone')).to.equal(false);
    expect(db.revision).to.equal(3);
    expect((await db.listDeployments()).revision).to.equal(3);
  });

  it('deletes a deployment and its state in one revision, reporting the delete once', async () => {
    db.putDeployment('a', { key: 'a', kind: 'slurm', args: {} });
    await db.writeState('a', { status: 'RUNNING', job_id: 4 });
    const recorder = new WatchRecorder();
    const watch = await db.watchDeployments(db.revision, recorder.listener);

    expect(db.deleteDeployment('a')).to.equal(true);
    expect(db.revision).to.equal(3);
    expect(db.getState('a')).to.equal(undefined);
    db.putDeployment('z', { key: 'z', kind: 'slurm', args: {} });
    expect((await recorder.waitForChanges(2)).map(summary)).to.deep.equal([
      { deleted: 'a', revision: 3 },
      { put: 'z', kind: 'slurm', args: {}, revision: 4 },
    ]);
    await watch.close();
  });

  it('reads back the state it wrote, decoded and raw', async () => {
    db.putDeployment('a', { key: 'a', kind: 'slurm', args: {} });
    await db.writeState('a', { status: 'FAILED', reason: 'lost', job_id: 9 });
    expect(db.getState('a')).to.deep.equal({ status: 'FAILED', reason: 'lost', job_id: 9 });
    expect(db.getRaw('3/deploy/a/state')).to.equal('{\n  "job_id": 9,\n  "reason": "lost",\n  "status": "FAILED"\n}');
    expect(db.getState('b')).to.equal(undefined);
  });

  it('delivers changes after the writer returns, never inside it', async () => {
    const recorder = new WatchRecorder();
    await db.watchDeployments(0, recorder.listener);
    db.putDeployment('a', { key: 'a', kind: 'slurm', args: {} });
    expect(recorder.changes).to.deep.equal([]);
    expect((await recorder.waitForChanges(1)).map(summary)).to.deep.equal([{ put: 'a', kind: 'slurm', args: {}, revision: 1 }]);
  });

  it('does not report changes up to a future start revision', async () => {
    const recorder = new WatchRecorder();
    await db.watchDeployments(2, recorder.listener);
    db.putDeployment('a', { key: 'a', kind: 'slurm', args: {} });
    db.putDeployment('b', { key: 'b', kind: 'slurm', args: {} });
    db.putDeployment('c', { key: 'c', kind: 'slurm', args: {} });
    expect((await recorder.waitForChanges(1)).map(summary)).to.deep.equal([{ put: 'c', kind: 'slurm', args: {}, revision: 3 }]);
    expect(recorder.changes).to.have.length(1);
  });

  describe('compaction', () => {
    beforeEach(() => {
      for (const id of ['a', 'b', 'c', 'd']) db.putDeployment(id, { key: id, kind: 'slurm', args: {} });
    });

    it('loses, once, a watch that starts before the compacted revision', async () => {
      db.compact(3);
      const recorder = new WatchRecorder();
      await db.watchDeployments(1, recorder.listener);

      expect(await recorder.waitForLost()).to.equal('revision 2 has been compacted (history starts at 3)');
      db.putDeployment('e', { key: 'e', kind: 'slurm', args: {} });
      await Promise.resolve();
      expect(recorder.lost).to.have.length(1);
      expect(recorder.changes).to.deep.equal([]);
    });

    it('keeps the compacted revision itself: a watch from just before it replays from there', async () => {
      db.compact(3);
      const recorder = new WatchRecorder();
      await db.watchDeployments(2, recorder.listener);
      expect((await recorder.waitForChanges(2)).map((c) => summary(c))).to.deep.equal([
        { put: 'c', kind: 'slurm', args: {}, revision: 3 },
        { put: 'd', kind: 'slurm', args: {}, revision: 4 },
      ]);
      expect(recorder.lost).to.deep.equal([]);
    });

    it('leaves a running watch alone and still lists everything', async () => {
      const recorder = new WatchRecorder();
      await db.watchDeployments(4, recorder.listener);
      db.compact(4);
      db.putDeployment('e', { key: 'e', kind: 'slurm', args: {} });
      expect((await recorder.waitForChanges(1)).map(summary)).to.deep.equal([{ put: 'e', kind: 'slurm', args: {}, revision: 5 }]);
      expect((await db.listDeployments()).deployments.map((d) => d.id)).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
    });

    it('refuses a compaction past the current revision', () => {
      expect(() => db.compact(5)).to.throw('cannot compact to revision 5: the current revision is 4');
    });
  });

  it('stores a deployment as ska-sdp-config does: sorted keys, two-space indent', () => {
    db.putDeployment('a', { kind: 'slurm', key: 'a', args: { time_limit: 5, script: 'x' } });
    expect(db.getRaw('2/deploy/a')).to.equal(
      '{\n  "args": {\n    "script": "x",\n    "time_limit": 5\n  },\n  "key": "a",\n  "kind": "slurm"\n}',
    );
  });

  it('refuses calls once closed', async () => {
    await db.close();
    let error: unknown;
    await db.listDeployments().catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(Error).with.property('message', 'the memory Config DB is closed');
    expect(() => db.putDeployment('a', {})).to.throw('the memory Config DB is closed');
  });
});
