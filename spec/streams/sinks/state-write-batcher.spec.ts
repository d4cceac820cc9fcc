// State writes asked for together go to the Config DB together, each still answered alone.

import { expect } from 'chai';
import { firstValueFrom, merge } from 'rxjs';
import { toArray } from 'rxjs/operators';
import type { StateWrite, StateWriteResult } from '../../../lib/configdb/config-db.js';
import { createMemoryConfigDb } from '../../../lib/configdb/memory-config-db.js';
import type { DeployerEvent } from '../../../lib/core/events.js';
import type { SlurmApi } from '../../../lib/slurm/slurm-api.js';
import { createSinks } from '../../../streams/sinks/sinks.js';
import { createStateWriteBatcher } from '../../../streams/sinks/state-write-batcher.js';

describe('state write batches', () => {
  it('sends the writes of one synchronous run in one call, and answers each with its own result', async () => {
    const calls: StateWrite[][] = [];
    const db = {
      writeStates: async (writes: readonly StateWrite[]): Promise<StateWriteResult[]> => {
        calls.push([...writes]);
        return writes.map((w) => (w.id.startsWith('x') ? 'deployment-missing' : 'written'));
      },
    };
    const batcher = createStateWriteBatcher(db, 4);
    const answers = ['a', 'x1', 'b', 'c', 'd', 'x2'].map((id) => batcher.write(id, { status: 'PENDING' }));
    expect(await Promise.all(answers)).to.deep.equal(['written', 'deployment-missing', 'written', 'written', 'written', 'deployment-missing']);
    // At most 4 per call: the fifth write began the next call.
    expect(calls.map((c) => c.map((w) => w.id))).to.deep.equal([['a', 'x1', 'b', 'c'], ['d', 'x2']]);
    await batcher.write('e', { status: 'RUNNING' });
    expect(calls).to.have.length(3);
  });

  it('fails every write of a batch whose call failed, and only those', async () => {
    let fail = true;
    const db = {
      writeStates: async (writes: readonly StateWrite[]): Promise<StateWriteResult[]> => {
        if (fail) throw new Error('etcd write 2 states failed: 14 UNAVAILABLE');
        return writes.map(() => 'written');
      },
    };
    const batcher = createStateWriteBatcher(db);
    const first = await Promise.allSettled([batcher.write('a', { status: 'PENDING' }), batcher.write('b', { status: 'PENDING' })]);
    expect(first.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    fail = false;
    expect(await batcher.write('c', { status: 'PENDING' })).to.equal('written');
  });

  it('the Config DB sink answers 50 writes of one step with 50 outcomes from one transaction', async () => {
    const db = createMemoryConfigDb();
    for (let i = 0; i < 49; i++) db.putDeployment(`d${i}`, { key: `d${i}`, kind: 'slurm', args: { script: 'true' } });
    const sinks = createSinks({} as SlurmApi, db);
    const before = db.revision;
    const outcomes = await firstValueFrom(
      merge(...Array.from({ length: 50 }, (_, i) => sinks.writeState({ type: 'writeState', id: `d${i}`, state: { status: 'RUNNING', job_id: i } }))).pipe(toArray()),
    );
    expect(db.stateWriteCalls).to.equal(1);
    expect(db.revision).to.equal(before + 1);
    const byId = new Map(outcomes.map((o: DeployerEvent) => ['id' in o ? o.id : '', o.type]));
    expect(byId.size).to.equal(50);
    expect([...byId.values()].filter((t) => t === 'stateWritten')).to.have.length(49);
    // d49 has no deployment: refused, as a permanent failure of that write alone.
    expect(outcomes.find((o) => 'id' in o && o.id === 'd49')).to.deep.include({ type: 'stateWriteFailed' });
    expect(db.getState('d7')).to.deep.equal({ status: 'RUNNING', job_id: 7 });
  });
});
