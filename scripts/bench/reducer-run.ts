// One child process: the reducer measures at one N, printed as one JSON line on stdout.
// Usage: node --expose-gc reducer-run.js <dist root> <N>

import type { Command } from '../../lib/core/commands.js';
import type { DeployerEvent, DeploymentEntry } from '../../lib/core/events.js';
import type { Reducer, Step } from '../../lib/core/reducer.js';
import type { SlurmJob } from '../../lib/core/slurm-job.js';
import type { World } from '../../lib/core/world.js';
import { loadImplementation } from './implementation.js';
import { timeMedian, timeOnce } from './timing.js';
import { ARGS, benchSettings, jobsOf, learnTemplate, REVISION, runningEntries, T0 } from './workload.js';

export interface ReducerRun {
  readonly n: number;
  /** Milliseconds unless the name says otherwise. */
  readonly values: Record<string, number>;
  /** Sanity: what the steps decided, so a bench that measured the wrong thing shows it. */
  readonly checks: Record<string, number>;
}

const count = (commands: readonly Command[], type: Command['type']) => commands.filter((c) => c.type === type).length;

async function main(): Promise<void> {
  const [root, nText] = process.argv.slice(2);
  if (root === undefined || nText === undefined) throw new Error('usage: reducer-run <dist root> <N>');
  const n = Number(nText);
  const gc = (globalThis as { gc?: () => void }).gc;
  const impl = await loadImplementation(root);
  const settings = benchSettings();
  const reducer = impl.createReducer(settings);
  const template = learnTemplate(reducer, impl.initialWorld);
  const entries = runningEntries(n, template);
  const runningJobs = jobsOf(n, template, 'RUNNING');
  const completedJobs = jobsOf(n, template, 'COMPLETED');
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const values: Record<string, number> = {};
  const checks: Record<string, number> = {};
  const big = n >= 10_000;

  // A restart finds N deployments, then the first poll shows every job running as recorded.
  const steady = restart(reducer, impl.initialWorld, entries, runningJobs, values, checks);
  // The heap the world of N deployments holds (the steps that built it are garbage by now).
  gc?.();
  values['heapMB'] = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;

  const apply = (event: DeployerEvent): Step => reducer(steady, event);
  const reps = 21;
  values['noopTick'] = timeMedian(() => apply({ type: 'tick', now: T0 + 1000 }), reps);
  checks['noopTickCommands'] = apply({ type: 'tick', now: T0 + 1000 }).commands.length;

  const put: DeployerEvent = { type: 'deploymentPut', deployment: { id: 'bench-new', kind: 'slurm', args: ARGS, revision: REVISION + n + 1 } };
  values['put'] = timeMedian(() => apply(put), reps);
  const afterPut = apply(put);
  checks['putSubmits'] = count(afterPut.commands, 'submitJob');
  const submit = afterPut.commands.find((c): c is Extract<Command, { type: 'submitJob' }> => c.type === 'submitJob');
  const write = afterPut.commands.find((c): c is Extract<Command, { type: 'writeState' }> => c.type === 'writeState');
  if (submit !== undefined) {
    const answer: DeployerEvent = { type: 'jobSubmitted', id: submit.id, submitId: submit.submitId, jobId: 1 };
    values['ackSubmit'] = timeMedian(() => reducer(afterPut.world, answer), reps);
  }
  if (write !== undefined) {
    const answer: DeployerEvent = { type: 'stateWritten', id: write.id, state: write.state };
    values['ackWrite'] = timeMedian(() => reducer(afterPut.world, answer), reps);
  }

  // The next poll, as due: once identical to the last, once with every job changed (all ended).
  const due = reducer(steady, { type: 'tick', now: T0 + settings.pollIntervalMs });
  const next = due.commands.find((c): c is Extract<Command, { type: 'pollJobs' }> => c.type === 'pollJobs');
  if (next === undefined) throw new Error('bench: no poll when due');
  const identical: DeployerEvent = { type: 'jobsPolled', pollId: next.pollId, jobs: runningJobs };
  values['identicalPoll'] = timeMedian(() => reducer(due.world, identical), big ? 5 : reps, 20_000, big ? 1 : 2);
  checks['identicalPollCommands'] = reducer(due.world, identical).commands.length;
  const changed: DeployerEvent = { type: 'jobsPolled', pollId: next.pollId, jobs: completedJobs };
  const changedStep = timeOnce(() => reducer(due.world, changed));
  values['changedPoll'] = big ? changedStep.ms : Math.min(changedStep.ms, timeMedian(() => reducer(due.world, changed), 3, 10_000, 0));
  checks['changedPollWrites'] = count(changedStep.value.commands, 'writeState');

  const run: ReducerRun = { n, values, checks };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

/** A restart's listing and first poll, timed; returns the world they leave, and nothing else. */
function restart(reducer: Reducer, initial: World, entries: DeploymentEntry[], runningJobs: SlurmJob[], values: Record<string, number>, checks: Record<string, number>): World {
  const listed = timeOnce(() => reducer(initial, { type: 'configListed', deployments: entries, invalid: [] }));
  values['configListed'] = listed.ms;
  const ticked = reducer(listed.value.world, { type: 'tick', now: T0 });
  const poll = ticked.commands.find((c): c is Extract<Command, { type: 'pollJobs' }> => c.type === 'pollJobs');
  if (poll === undefined) throw new Error('bench: no poll after the listing');
  const adopted = timeOnce(() => reducer(ticked.world, { type: 'jobsPolled', pollId: poll.pollId, jobs: runningJobs }));
  values['firstPollAdopts'] = adopted.ms;
  checks['firstPollSubmits'] = count(adopted.value.commands, 'submitJob');
  checks['firstPollWrites'] = count(adopted.value.commands, 'writeState');
  return adopted.value.world;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
