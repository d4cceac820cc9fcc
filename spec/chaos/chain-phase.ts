// Dependency chains under kill -9 (issue 21): chains a -> b -> c (after_ok), put last first so that
// each waits for ids still to come, while the deployer is killed every 0.8-3.5 s. In most chains
// every link FINISHES, each job starting after the one before ended; in every fourth b exits 1,
// and c must never run and end FAILED. The ledger judges order, failures and duplicates.

import { setTimeout as sleep } from 'node:timers/promises';
import { randomBetween, type ChaosRig } from './chaos-rig.js';
import type { Ledger } from './ledger.js';
import { settle, startKilling, steady, type Say } from './phases.js';

const value = (id: string, args: unknown) => JSON.stringify({ key: id, kind: 'slurm', args });

export async function chainStorm(rig: ChaosRig, ledger: Ledger, options: { readonly chains: number; readonly say: Say }): Promise<void> {
  const { say } = options;
  say(`dependency chains under kill -9: ${options.chains} chains a -> b -> c (after_ok), b failing in every fourth`);
  const killing = startKilling(rig);
  for (let i = 0; i < options.chains; i++) {
    const [a, b, c] = ['a', 'b', 'c'].map((link) => `ch-${rig.tag}-${i}-${link}`) as [string, string, string];
    const failing = i % 4 === 3;
    const step = (name: string, body: string) => ({ script: `#!/bin/bash\n# ${name}\n${body}\n` });
    ledger.chain([a, b, c], failing);
    ledger.wrote(c, await rig.put(c, value(c, { ...step(c, failing ? `touch ${ledger.marker(rig, c)}` : 'sleep 0.5'), after_ok: [b] })));
    await sleep(randomBetween(30, 300));
    ledger.wrote(b, await rig.put(b, value(b, { ...step(b, failing ? 'exit 1' : 'sleep 0.5'), after_ok: [a] })));
    await sleep(randomBetween(30, 300));
    ledger.wrote(a, await rig.put(a, value(a, step(a, 'sleep 0.5'))));
    await sleep(randomBetween(100, 600));
  }
  await sleep(12_000); // more kills while the chains' last links wait, are submitted and run
  await killing.stop();
  say(`  ${rig.deployer.counts.kills} kills so far`);
  await steady(rig, 'after the chains', 5000, await settle(rig, ledger, 90_000 + options.chains * 6_000, say));
}
