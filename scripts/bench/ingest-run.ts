// One child process: N deployments put one event each into a deployer that has listed an empty
// Config DB and polled an empty Slurm, as a burst of new deployments reaches the reducer. Prints
// one JSON line, as reducer-run does. Usage: node ingest-run.js <dist root> <N>

import type { DeployerEvent } from '../../lib/core/events.js';
import type { ReducerRun } from './reducer-run.js';
import { loadImplementation } from './implementation.js';
import { timeOnce } from './timing.js';
import { ARGS, benchSettings, deploymentId, REVISION, T0 } from './workload.js';

async function main(): Promise<void> {
  const [root, nText] = process.argv.slice(2);
  if (root === undefined || nText === undefined) throw new Error('usage: ingest-run <dist root> <N>');
  const n = Number(nText);
  const impl = await loadImplementation(root);
  const reducer = impl.createReducer(benchSettings());
  let world = impl.initialWorld;
  const feed = (event: DeployerEvent) => (world = reducer(world, event).world);
  feed({ type: 'configListed', deployments: [], invalid: [] });
  const tick = reducer(world, { type: 'tick', now: T0 });
  world = tick.world;
  const poll = tick.commands.find((c) => c.type === 'pollJobs');
  if (poll?.type !== 'pollJobs') throw new Error('bench: no poll after the listing');
  feed({ type: 'jobsPolled', pollId: poll.pollId, jobs: [] });
  let submits = 0;
  const ingest = timeOnce(() => {
    for (let i = 0; i < n; i++) {
      const step = reducer(world, { type: 'deploymentPut', deployment: { id: deploymentId(i), kind: 'slurm', args: ARGS, revision: REVISION + i } });
      world = step.world;
      for (const c of step.commands) if (c.type === 'submitJob') submits++;
    }
  });
  const run: ReducerRun = { n, values: { ingestPuts: ingest.ms }, checks: { ingestSubmits: submits } };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
