// One child process: the deployer's steady costs on a busy cluster. F held jobs of another user
// in slurmctld (one changed every 5 s), D deployments RUNNING (each job blocks reading a FIFO of
// its own, so that the bench ends it at a moment it chooses without a process polling), the
// deployer at its default settings. Measured in the same run: the bytes of its polls (wire proxy)
// against one full job list, its peak RSS, a job's end to its state in the Config DB, slurmctld's
// and slurmrestd's CPU with it, without it (idle) and for one full list, slurmrestd's RSS growth.
// Order: a fresh slurmrestd (its RSS without the deployer), the deployer started on a cluster
// without the load (with no watermark its first poll is one full list, by design), then the
// foreign load, the deployments, the steady state, and a clean restart in it (restart-cost.ts).
// Usage: node foreign-run.js <dist root> <release> <F> <D> <latency samples> <min steady s> <idle s> [keep-foreign]

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { freePort } from '../../../spec/support/free-port.js';
import { median, percentile } from '../timing.js';
import { DeployerRun } from './deployer-run.js';
import { Deployments } from './deployments.js';
import { churnForeign, clearForeign, clusterJobCount, fillForeign, foreignCount, restartDaemon } from './foreign-load.js';
import { assertUnchanged, cpuSeconds, daemonPid, inRoot, memoryMB, openRelease, rateLimit, type Release } from './release.js';
import { sleep, until } from './waiting.js';
import { HealthProbe } from './watchers.js';
import { cleanRestart, readWatermark, type RestartCost } from './restart-cost.js';
import { isPoll, startWireProxy, wireSummary } from './wire-proxy.js';

const run = promisify(execFile);

export interface ForeignRun {
  readonly release: string;
  readonly foreign: number;
  readonly foreignAdded: number;
  readonly deployments: number;
  readonly apiVersion: string;
  readonly pollIntervalS: number;
  readonly steadyS: number;
  readonly steadyPolls: number;
  readonly steadyCalls: Readonly<Record<string, number>>;
  readonly bytesPerPoll: number;
  /** From the deployer's start to its second poll, before the foreign load (its first poll: one full list). */
  readonly startupCalls: Readonly<Record<string, number>>;
  readonly startupBytes: number;
  readonly fillS: number;
  /** From every deployment RUNNING until the deployer's /readyz no longer said throttled. */
  readonly throttledAfterRunningS: number;
  /** Full job lists (`GET /jobs`) after the start-up, restart included: by design none. */
  readonly fullListsAfterStartup: number;
  readonly fullListBytesAfterStartup: number;
  readonly restart: RestartCost;
  readonly fullListBytes: number;
  readonly fullListFirstByteS: number;
  readonly fullListS: number;
  readonly deployerPeakRssMB: number;
  readonly latenciesS: readonly number[];
  readonly latencyP50S: number;
  readonly latencyP95S: number;
  /** slurmctld + slurmrestd CPU seconds per second: with the deployer (steady), without it. */
  readonly steadyCpuRate: number;
  readonly idleCpuRate: number;
  readonly fullListCpuS: number;
  readonly restdRssBeforeMB: number;
  readonly restdRssPeakMB: number;
  /** slurmrestd's RSS and peak at each step of the run: what grew it, and when. */
  readonly restdRssSteps: readonly RssStep[];
  readonly healthSamples: number;
  readonly healthBad: number;
  readonly logFile: string;
}

export interface RssStep {
  readonly step: string;
  readonly rssMB: number;
  readonly peakMB: number;
}

/** The daemons whose CPU the deployer costs: slurmctld and slurmrestd together. */
async function slurmCpu(release: Release): Promise<number> {
  return (await cpuSeconds(await daemonPid(release, 'slurmctld'))) + (await cpuSeconds(await daemonPid(release, 'slurmrestd')));
}

/** Ends one job: a line to the FIFO its script reads (opened without blocking: a reader waits on it). */
async function endJob(fifo: string): Promise<void> {
  const handle = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    await handle.write('end\n');
  } finally {
    await handle.close();
  }
}

/** One full job list, read as a client would: bytes, time to the first byte and to the last. */
async function fullList(release: Release, version: string): Promise<{ bytes: number; firstByteS: number; totalS: number }> {
  const t0 = performance.now();
  const res = await fetch(`${release.url}/slurm/${version}/jobs/`, { headers: { 'X-SLURM-USER-NAME': release.benchUser, 'X-SLURM-USER-TOKEN': release.benchToken } });
  const firstByteS = (performance.now() - t0) / 1000;
  if (!res.ok || res.body === null) throw new Error(`full list: HTTP ${res.status}`);
  let bytes = 0;
  for await (const chunk of res.body) bytes += (chunk as Uint8Array).length;
  return { bytes, firstByteS, totalS: (performance.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const [distRoot, releaseName, fText, dText, samplesText, steadyText, idleText, keep] = process.argv.slice(2);
  if (distRoot === undefined || releaseName === undefined) throw new Error('usage: foreign-run <dist root> <release> <F> <D> <samples> <min steady s> <idle s> [keep-foreign]');
  const [foreign, count, samples, minSteadyS, idleS] = [fText, dText, samplesText, steadyText, idleText].map((t, i) => Number(t ?? [20_000, 100, 10, 180, 60][i]));
  const say = (line: string) => process.stderr.write(`[foreign ${releaseName}] ${line}\n`);
  let release = await openRelease(releaseName);
  const ctld = await daemonPid(release, 'slurmctld');
  if ((await rateLimit(release)) === undefined) throw new Error(`Slurm ${releaseName} runs without the rate limit (SlurmctldParameters=rl_enable)`);
  const tag = `bf${randomBytes(3).toString('hex')}`;
  const dir = path.join('/tmp', `sdp-bench-production-${tag}`);
  await mkdir(dir, { recursive: true });
  const logFile = path.join(dir, 'deployer.log');
  const fifoDir = `bench-${tag}`;
  const ids = Array.from({ length: count as number }, (_, i) => `${tag}-${String(i).padStart(4, '0')}`);
  // The deployer starts on a cluster without the foreign load: a fresh job label has no watermark,
  // so its first poll is by design one full list; from then on no poll may list every job.
  const present = await foreignCount(release, 'all');
  if (present > 0) {
    say(`${present} foreign jobs left from an earlier run: clearing them first (the deployer must start before the load)`);
    await clearForeign(release);
  }
  // Nor jobs of earlier runs that slurmctld has not purged yet (MinJobAge, 300 s): the deployer's
  // first list would carry them, and slurmrestd keep what building it took (2,000 cancelled jobs
  // of a burst made the start-up list 9 MB instead of 1.4 MB, and slurmrestd 100 MB larger).
  const left = await clusterJobCount(release);
  if (left > 0) {
    say(`${left} jobs of earlier runs still in slurmctld: waiting for them to be purged (MinJobAge)`);
    if ((await until(async () => (await clusterJobCount(release)) === 0, 600_000, 5000)) === undefined) say(`still ${await clusterJobCount(release)} jobs after 600 s: measuring anyway`);
  }
  let churn: ReturnType<typeof churnForeign> | undefined;
  let foreignAdded = 0;
  let result: ForeignRun | undefined;
  const db = new Deployments(`http://${release.env['SDP_CONFIG_HOST']}:${release.env['SDP_CONFIG_PORT']}`, `/bench-${tag}`);
  let deployer: DeployerRun | undefined;
  let proxy: Awaited<ReturnType<typeof startWireProxy>> | undefined;
  const health = new HealthProbe(await freePort());
  try {
    // A fresh slurmrestd: what it holds without the deployer, not what earlier lists left in it.
    release = await restartDaemon(release, 'slurmrestd');
    await sleep(5000);
    const restdRssBeforeMB = (await memoryMB(await daemonPid(release, 'slurmrestd'))).rss;
    const restdRssSteps: RssStep[] = [];
    const restdStep = async (step: string) => {
      const { rss, peak } = await memoryMB(await daemonPid(release, 'slurmrestd'));
      restdRssSteps.push({ step, rssMB: rss, peakMB: peak });
    };
    await restdStep('fresh');
    await mkdir(path.join(release.jobDirOnHost, fifoDir), { recursive: true, mode: 0o755 });
    await run('mkfifo', ['-m', '666', ...ids.map((id) => path.join(release.jobDirOnHost, fifoDir, `${id}.fifo`))]);

    proxy = await startWireProxy(release.url);
    const calls = proxy.calls;
    // Nothing but what is needed: the deployer's defaults are what is measured.
    deployer = new DeployerRun({ distRoot, release, slurmUrl: proxy.url, releaseName: tag, prefix: `/bench-${tag}`, metricsPort: health.port, logFile });
    const ended = new Map<string, number>();
    const states = new Map<string, string>();
    const stopWatch = await db.watchStates((id, state) => {
      if (state.status !== undefined) states.set(id, state.status);
      if (state.status !== undefined && ['FINISHED', 'FAILED', 'CANCELLED'].includes(state.status) && !ended.has(id)) ended.set(id, performance.now());
    });
    const tStart = performance.now();
    deployer.start();
    health.start();
    const pollsNow = () => calls.filter(isPoll).length;
    if ((await until(() => pollsNow() >= 2, 300_000, 500)) === undefined) throw new Error(`the deployer did not poll twice within 300 s (log: ${logFile})`);
    const startup = { ...wireSummary(calls, tStart, performance.now()), endMs: performance.now() };
    say(`deployer started: ${JSON.stringify(startup.byKind)}, ${(startup.bytes / 1024).toFixed(0)} KB; topping the release up to ${foreign} foreign jobs ...`);
    await restdStep("the deployer's start-up");
    const tFill = performance.now();
    foreignAdded = await fillForeign(release, foreign as number);
    const fillS = (performance.now() - tFill) / 1000;
    churn = churnForeign(release, 5);
    await restdStep('the foreign load put');
    say(`${count} deployments, each a job that runs until told to end`);
    await db.put(ids, (id) => ({ script: `#!/bin/bash\nread -r _ < ${release.jobDir}/${fifoDir}/${id}.fifo\n` }));
    const running = await until(() => ids.every((id) => states.get(id) === 'RUNNING'), 900_000, 1000);
    if (running === undefined) throw new Error(`not all ${count} RUNNING within 900 s (log: ${logFile})`);
    // The start-up is over once the deployer no longer calls Slurm throttled (the 100 submits
    // were: for a minute after the last late answer it spaces state polls 10 s apart), and two
    // polls have gone since.
    const unthrottled = await until(async () => !(await health.readyReasons()).includes('throttled'), 300_000, 1000);
    const throttledAfterRunningS = ((unthrottled ?? performance.now()) - running) / 1000;
    say(`all RUNNING; throttled for ${throttledAfterRunningS.toFixed(0)} s more${unthrottled === undefined ? ' (still throttled: measured anyway)' : ''}`);
    await restdStep('every deployment RUNNING, not throttled');
    const settled = pollsNow();
    await until(() => pollsNow() >= settled + 2, 600_000, 500);

    const tS = performance.now();
    const cpu0 = await slurmCpu(release);
    const latencies: number[] = [];
    const ends = proxy.calls.filter(isPoll).map((c) => c.endMs as number);
    const pollIntervalS = median(ends.slice(-6).slice(1).map((t, i) => t - (ends.slice(-6)[i] as number))) / 1000;
    say(`steady: polls ~${pollIntervalS.toFixed(1)} s apart (median of the 5 gaps before); ending ${samples} jobs one at a time`);
    for (let i = 0; i < (samples as number); i++) {
      // At a random point of the poll cycle.
      await sleep(2000 + Math.random() * pollIntervalS * 1000);
      const id = ids[i] as string;
      const t = performance.now();
      await endJob(path.join(release.jobDirOnHost, fifoDir, `${id}.fifo`));
      const seen = await until(() => ended.has(id), 300_000, 50);
      if (seen !== undefined) latencies.push(((ended.get(id) as number) - t) / 1000);
      say(`  ${id}: ${seen === undefined ? 'no final state within 300 s' : `${latencies.at(-1)?.toFixed(2)} s`}`);
    }
    await until(() => performance.now() - tS >= (minSteadyS as number) * 1000, 3_600_000, 1000);
    const tE = performance.now();
    const cpu1 = await slurmCpu(release);
    const steady = wireSummary(proxy.calls, tS, tE);
    const deployerPeakRssMB = (await memoryMB(deployer.pid as number)).peak;
    const restdRssPeakMB = (await memoryMB(await daemonPid(release, 'slurmrestd'))).peak;
    await restdStep('the steady window ended');
    const apiVersion = proxy.calls.find((c) => (c.kind === 'list' || c.kind === 'states') && c.version !== undefined)?.version ?? 'v0.0.42';
    const restart = await cleanRestart(deployer, calls, () => ids.slice(samples as number).filter((id) => states.get(id) === 'RUNNING').length, () => readWatermark(db, tag), say);
    await restdStep('the clean restart polled 3 times');
    const listsAfterStartup = calls.filter((c) => c.kind === 'list' && c.startMs > startup.endMs);
    health.stop();
    await deployer.stop();
    await stopWatch();

    say(`idle ${idleS} s (no deployer)`);
    const i0 = await slurmCpu(release);
    const ti0 = performance.now();
    await sleep((idleS as number) * 1000);
    const idleCpuRate = ((await slurmCpu(release)) - i0) / ((performance.now() - ti0) / 1000);

    say('one full job list');
    const f0 = await slurmCpu(release);
    const list = await fullList(release, apiVersion);
    const fullListCpuS = (await slurmCpu(release)) - f0 - idleCpuRate * list.totalS;
    await assertUnchanged(release, ctld);
    const steadyS = (tE - tS) / 1000;
    result = {
      release: releaseName,
      foreign: foreign as number,
      foreignAdded,
      deployments: count as number,
      apiVersion,
      pollIntervalS,
      steadyS,
      steadyPolls: steady.polls,
      steadyCalls: steady.byKind,
      bytesPerPoll: steady.polls === 0 ? Number.NaN : steady.bytes / steady.polls,
      startupCalls: startup.byKind,
      startupBytes: startup.bytes,
      fillS,
      throttledAfterRunningS,
      fullListsAfterStartup: listsAfterStartup.length,
      fullListBytesAfterStartup: listsAfterStartup.reduce((sum, c) => sum + c.bytes, 0),
      restart,
      fullListBytes: list.bytes,
      fullListFirstByteS: list.firstByteS,
      fullListS: list.totalS,
      deployerPeakRssMB,
      latenciesS: latencies,
      latencyP50S: median(latencies),
      latencyP95S: percentile(latencies, 95),
      steadyCpuRate: (cpu1 - cpu0) / steadyS,
      idleCpuRate,
      fullListCpuS,
      restdRssBeforeMB,
      restdRssPeakMB,
      restdRssSteps,
      healthSamples: health.count(tS, tE),
      healthBad: health.bad(tS, tE),
      logFile,
    };
  } finally {
    health.stop();
    await deployer?.stop();
    await proxy?.close();
    churn?.kill('SIGTERM');
    // The run's jobs (by user and name, as root), its FIFOs and keys; the foreign jobs unless kept.
    const mine = (await inRoot(release.root, ['squeue', '-h', '-u', release.benchUser, '-o', '%i|%j']).catch(() => ''))
      .split('\n')
      .filter((l) => l.split('|')[1]?.startsWith(`${tag}-`))
      .map((l) => l.split('|')[0] as string);
    if (mine.length > 0) await inRoot(release.root, ['scancel', ...mine]).catch(() => undefined);
    await rm(path.join(release.jobDirOnHost, fifoDir), { recursive: true, force: true });
    await db.removeAll().catch(() => undefined);
    db.close();
    if (keep !== 'keep-foreign') {
      say('clearing the foreign jobs (until slurmctld forgets them) ...');
      await clearForeign(release).catch((e: unknown) => say(`clearing failed: ${String(e)}`));
    }
    // Give back what the full lists made slurmrestd hold.
    await restartDaemon(release, 'slurmrestd').catch((e: unknown) => say(`slurmrestd restart failed: ${String(e)}`));
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
