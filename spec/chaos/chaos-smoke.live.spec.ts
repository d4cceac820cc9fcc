// A short run of the chaos suite inside the test suite: a few deployments and dependency chains through kill -9s, part
// of the fuzz corpus, a compaction past the watch. No Slurm outage (others share the stack) and
// no etcd restart; `npm run chaos` runs them all at full size.

import { expect } from 'chai';
import { formatTable, runChaos } from './chaos.js';

describe('chaos smoke @live', function () {
  this.timeout(900_000);

  it('keeps every count of the chaos table at 0 through kills, fuzz and a compaction', async () => {
    const result = await runChaos({ deployments: 8, chains: 4, fuzzLimit: 20, slurmOutages: false, etcdRestart: false, compaction: true, say: () => undefined });
    const table = formatTable(result);
    console.log(table.replace(/^/gm, '      '));
    expect(result.kills, 'the deployer was killed at least once').to.be.greaterThan(0);
    expect(result.fuzzRecords).to.equal(20);
    expect(Object.fromEntries(result.rows.map((r) => [r.name, r.count])), table).to.deep.equal(Object.fromEntries(result.rows.map((r) => [r.name, 0])));
  });
});
