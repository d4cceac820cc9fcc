// One child process: the whole pipeline (in-memory Config DB, the real sinks and REST client,
// the fake slurmrestd the parent runs on v0.0.42) with N deployments put at once. Prints one
// JSON line. Usage: node pipeline-run.js <dist root> <N> <fake url> <poll interval ms> <budget ms> [stub]
// With `stub`, the reducer is createStubReducer's (O(1) per event): the pipeline's own costs alone.

import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Subject } from 'rxjs';
import type { DeployerOutput } from '../../streams/loop/deployer.js';
import { loadImplementation } from './implementation.js';
import { createStubReducer } from './stub-reducer.js';
import { ARGS, benchSettings, deploymentId, FAKE_TOKEN, FAKE_USER } from './workload.js';


export interface PipelineRun {
  readonly n: number;
  /** Put until every deployment's job id was written, ms; absent when it did not finish in the budget. */
  readonly ingestMs?: number;
  readonly submitted: number;
  readonly jobIdsWritten: number;
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
  readonly peakRssMB: number;
  /** Longest time between two answered polls while ingesting (the interval is `pollIntervalMs`). */
  readonly maxPollGapMs: number;
  readonly pollIntervalMs: number;
  /** Config DB revisions per poll once everything is submitted and nothing changes in Slurm. */
  readonly writesPerSteadyPoll: number;
  /** Polls answered over the whole run (the parent divides the fake's list requests by it). */
  readonly polls: number;
}

async function main(): Promise<void> {
  const [root, nText, url, intervalText, budgetText, reducerKind] = process.argv.slice(2);
  if (root === undefined || url === undefined) throw new Error('usage: pipeline-run <dist root> <N> <fake url> <poll interval ms> <budget ms>');
  const n = Number(nText);
  const pollIntervalMs = Number(intervalText ?? 2000);
  const budgetMs = Number(budgetText ?? 120_000);
  const impl = await loadImplementation(root);
  const db = impl.createMemoryConfigDb();
  const slurm = impl.createSlurmRestClient({ baseUrl: url, version: 'v0.0.42', credentials: impl.staticJwtProvider(FAKE_USER, new impl.Secret(FAKE_TOKEN)) });
  const stop = new Subject<void>();
  const pollTimes: number[] = [];
  const written = new Set<string>();
  let submitted = 0;
  let listed = false;
  let completed = false;
  const output = impl.deployer({
    sources: [impl.configEvents(db), impl.ticks(Math.min(1000, pollIntervalMs / 2))],
    sinks: impl.createSinks(slurm, db),
    reducer: (reducerKind === 'stub' ? createStubReducer : impl.createReducer)(benchSettings(pollIntervalMs)),
    stop,
  });
  const subscription = output.subscribe({
    next: (o: DeployerOutput) => {
      if (o.type !== 'step') return;
      const e = o.event;
      if (e.type === 'configListed') listed = true;
      else if (e.type === 'jobsPolled' || e.type === 'pollFailed') pollTimes.push(performance.now());
      else if (e.type === 'jobSubmitted') submitted++;
      else if (e.type === 'stateWritten' && e.state.job_id !== undefined) written.add(e.id);
    },
    complete: () => (completed = true),
  });
  const until = async (done: () => boolean, ms: number): Promise<boolean> => {
    const deadline = performance.now() + ms;
    while (!done()) {
      if (performance.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  };
  if (!(await until(() => listed && pollTimes.length > 0, 30_000))) throw new Error('pipeline: no listing and first poll within 30 s');

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = performance.now();
  for (let i = 0; i < n; i++) db.putDeployment(deploymentId(i), { key: deploymentId(i), kind: 'slurm', args: ARGS });
  const finished = await until(() => written.size >= n, budgetMs);
  const ended = performance.now();
  delay.disable();

  // Steady state: everything submitted, nothing changes in Slurm; what do polls write? The first
  // poll after the last job id was written still brings news (each job's slurm_state): skip it.
  const settling = pollTimes.length;
  await until(() => pollTimes.length >= settling + 2, pollIntervalMs * 4);
  const revisionBefore = db.revision;
  const pollsBefore = pollTimes.length;
  await until(() => pollTimes.length >= pollsBefore + 3, pollIntervalMs * 6);
  const steadyPolls = pollTimes.length - pollsBefore;
  const writesPerSteadyPoll = steadyPolls === 0 ? Number.NaN : (db.revision - revisionBefore) / steadyPolls;
  clearInterval(sampler);

  const during = pollTimes.filter((t) => t >= started && t <= ended);
  const before = pollTimes.filter((t) => t < started).at(-1) ?? started;
  const after = pollTimes.find((t) => t > ended) ?? ended;
  const marks = [before, ...during, after];
  let maxPollGapMs = 0;
  for (let i = 1; i < marks.length; i++) maxPollGapMs = Math.max(maxPollGapMs, (marks[i] as number) - (marks[i - 1] as number));

  stop.next();
  await until(() => completed, 10_000);
  subscription.unsubscribe();
  await slurm.close();
  await db.close();
  const run: PipelineRun = {
    n,
    ...(finished ? { ingestMs: ended - started } : {}),
    submitted,
    jobIdsWritten: written.size,
    eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
    eventLoopDelayMaxMs: delay.max / 1e6,
    peakRssMB: peakRss / 2 ** 20,
    maxPollGapMs,
    pollIntervalMs,
    writesPerSteadyPoll,
    polls: pollTimes.length,
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
