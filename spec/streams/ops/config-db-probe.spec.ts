// The Config DB probe: a round trip that changes nothing, reported as healthy or as why not.

import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConfigDb } from '../../../lib/configdb/config-db.js';
import { PROBE_DEPLOYMENT_ID, probeConfigDb } from '../../../streams/ops/config-db-probe.js';

describe('probeConfigDb', () => {
  it('reports etcd answering, and a failing or silent Config DB in the operator words', async () => {
    const results: (string | undefined)[] = [];
    let mode: 'ok' | 'fail' | 'hang' = 'ok';
    const asked: string[] = [];
    const db = {
      deleteState: async (id: string) => {
        asked.push(id);
        if (mode === 'fail') throw new Error('Execution prevented because the circuit breaker is open');
        if (mode === 'hang') await sleep(10_000);
        return 'deleted' as const;
      },
    } as unknown as ConfigDb;
    const probe = probeConfigDb(db, { everyMs: 20, timeoutMs: 50, address: { host: 'etcd.sdp', port: 2379 }, onResult: (r) => results.push(r) });
    try {
      await sleep(30);
      expect(results[0]).to.equal(undefined);
      mode = 'fail';
      await sleep(60);
      expect(results.at(-1)).to.match(/^cannot reach etcd at etcd\.sdp:2379/);
      mode = 'hang';
      await sleep(150);
      expect(results.at(-1)).to.match(/^cannot reach etcd at etcd\.sdp:2379.*no answer within 50 ms/);
      expect(new Set(asked)).to.deep.equal(new Set([PROBE_DEPLOYMENT_ID]));
    } finally {
      probe.stop();
    }
  });
});
