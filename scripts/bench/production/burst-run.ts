// One child process: N deployments put at once on a rate-limited chroot release, each a job to
// the partition that never starts one, then all deleted. From Slurm's side (squeue as root): jobs
// created per deployment, when each deployment first had one, when none was left active; from
// the wire (a proxy before slurmrestd): polls and calls by kind; from slurmctld: RPCs of the
// deployer's user (sdiag differences) and the rate limit's refusals (its log); /healthz each second.
// Usage: node burst-run.js <dist root> <release> <N> [loop interval s | default]

import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort } from '../../../spec/support/free-port.js';
import { median } from '../timing.js';
import { DeployerRun } from './deployer-run.js';
import { Deployments } from './deployments.js';
import { assertUnchanged, daemonPid, difference, floorSeconds, inRoot, logMark, openRelease, rateLimit, refusalsSince, sdiag } from './release.js';
import { sleep, until } from './waiting.js';
import { HealthProbe, SlurmJobs } from './watchers.js';
import { isPoll, startWireProxy, wireSummary } from './wire-proxy.js';

export interface BurstRun {
  readonly release: string;
  readonly n: number;
  readonly bucket: number;
  readonly floorS: number;
  /** The deployer's poll interval as seen on the wire before the burst (median gap between polls). */
  readonly pollIntervalS: number;
  readonly loopIntervalS?: number;
  readonly putS: number;
  /** Until every deployment had a job in Slurm; undefined: not within the bound. */
  readonly allInSlurmS?: number;
  readonly allJobIdsWrittenS?: number;
  readonly duplicates: readonly string[];
  readonly failed: readonly string[];
  readonly withoutJob: number;
  readonly maxPollGapS: number;
  readonly healthSamples: number;
  readonly healthBad: number;
  readonly allCancelledS?: number;
  readonly cancelRpcs: number;
  readonly cancelRpcsByType: Readonly<Record<string, number>>;
  readonly submitRpcs: number;
  readonly refusalsSubmit: Readonly<Record<string, number>>;
  readonly refusalsCancel: Readonly<Record<string, number>>;
  readonly httpSubmitPhase: Readonly<Record<string, number>>;
  readonly httpCancelPhase: Readonly<Record<string, number>>;
  readonly submitsAbandoned: number;
  readonly logFile: string;
}

async function main(): Promise<void> {
  const [distRoot, releaseName, nText, loopText] = process.argv.slice(2);
  if (distRoot === undefined || releaseName === undefined) throw new Error('usage: burst-run <dist root> <release> <N> [loop interval s]');
  const n = Number(nText ?? 1000);
  const loopIntervalS = loopText === undefined || loopText === 'default' ? undefined : Number(loopText);
  const release = await openRelease(releaseName);
  const limit = await rateLimit(release);
  if (limit === undefined) throw new Error(`Slurm ${releaseName} runs without the rate limit (SlurmctldParameters=rl_enable)`);
  const floorS = floorSeconds(limit, n);
  const ctld = await daemonPid(release, 'slurmctld');

  const tag = `bp${randomBytes(3).toString('hex')}`;
  const dir = path.join('/tmp', `sdp-bench-production-${tag}`);
  await mkdir(dir, { recursive: true });
  const logFile = path.join(dir, 'deployer.log');
  const ids = Array.from({ length: n }, (_, i) => `${tag}-${String(i).padStart(5, '0')}`);
  const proxy = await startWireProxy(release.url);
  const port = await freePort();
  const deployer = new DeployerRun({
    distRoot,
    release,
    slurmUrl: proxy.url,
    releaseName: tag,
    prefix: `/bench-${tag}`,
    metricsPort: port,
    logFile,
    extra: loopIntervalS === undefined ? {} : { SDP_SLURMDEPLOY_LOOP_INTERVAL: String(loopIntervalS) },
  });
  const jobs = new SlurmJobs(release, `${tag}-`);
  const health = new HealthProbe(port);
  const db = new Deployments(`http://${release.env['SDP_CONFIG_HOST']}:${release.env['SDP_CONFIG_PORT']}`, `/bench-${tag}`);
  const boundMs = Math.max(600_000, 4 * floorS * 1000);
  const say = (line: string) => process.stderr.write(`[burst ${releaseName} ${tag}] ${line}\n`);
  let result: BurstRun | undefined;
  try {
    deployer.start();
    health.start();
    const polls = () => proxy.calls.filter(isPoll).map((c) => c.endMs as number);
    const quiet = await until(() => polls().length >= 3 && health.samples.at(-1)?.status === 200, 300_000);
    if (quiet === undefined) throw new Error(`the deployer did not poll 3 times and answer /healthz 200 within 300 s (log: ${logFile})`);
    const ends = polls();
    const pollIntervalS = median(ends.slice(1).map((t, i) => t - (ends[i] as number))) / 1000;
    say(`polling every ~${pollIntervalS.toFixed(1)} s; putting ${n} deployments (floor ${floorS} s)`);

    const firstJobId = new Map<string, number>();
    const failed = new Set<string>();
    const stopWatch = await db.watchStates((id, state) => {
      if (state.job_id !== undefined && !firstJobId.has(id)) firstJobId.set(id, performance.now());
      if (state.status === 'FAILED') failed.add(`${id}: ${state.reason ?? ''}`.slice(0, 200));
    });
    jobs.every(2000);
    const sdiag0 = await sdiag(release);
    const mark0 = await logMark(release);
    const t0 = performance.now();
    await db.put(ids, () => ({ script: '#!/bin/bash\ntrue\n', partition: 'parked' }));
    const putS = (performance.now() - t0) / 1000;
    const allIn = await until(() => jobs.byDeployment().size >= n, boundMs, 1000);
    const firstSeen = [...jobs.byDeployment().values()].map((list) => Math.min(...list.map((j) => j.firstSeenMs)));
    const allInSlurmS = allIn === undefined ? undefined : (Math.max(...firstSeen) - t0) / 1000;
    say(`all in Slurm: ${allInSlurmS?.toFixed(0) ?? 'NOT within the bound'} s`);
    await until(() => firstJobId.size + failed.size >= n, 120_000, 1000);
    const allJobIdsWrittenS = firstJobId.size >= n ? (Math.max(...firstJobId.values()) - t0) / 1000 : undefined;
    // A submit answered late (the deployer gave up on it) lands up to minutes after it was sent.
    await sleep(60_000);
    await jobs.read();
    const sdiag1 = await sdiag(release);
    const refusalsSubmit = await refusalsSince(release, mark0, release.benchUid);
    const tSubmitEnd = performance.now();

    const mark1 = await logMark(release);
    const tDelete = performance.now();
    say(`deleting all ${n}`);
    await db.deleteAll();
    const cancelled = await until(() => jobs.seen.size > 0 && jobs.active().length === 0, boundMs, 1000);
    const allCancelledS = cancelled === undefined ? undefined : (cancelled - tDelete) / 1000;
    say(`all cancelled: ${allCancelledS?.toFixed(0) ?? 'NOT within the bound'} s`);
    await sleep(10_000);
    const sdiag2 = await sdiag(release);
    const refusalsCancel = await refusalsSince(release, mark1, release.benchUid);
    const tEnd = performance.now();
    await stopWatch();
    await assertUnchanged(release, ctld);

    const user = release.benchUser;
    const submitPhase = wireSummary(proxy.calls, t0, tSubmitEnd);
    const cancelPhase = wireSummary(proxy.calls, tDelete, tEnd);
    result = {
      release: releaseName,
      n,
      bucket: limit.bucket,
      floorS,
      pollIntervalS,
      ...(loopIntervalS === undefined ? {} : { loopIntervalS }),
      putS,
      ...(allInSlurmS === undefined ? {} : { allInSlurmS }),
      ...(allJobIdsWrittenS === undefined ? {} : { allJobIdsWrittenS }),
      duplicates: jobs.duplicates(),
      failed: [...failed],
      withoutJob: n - jobs.byDeployment().size,
      maxPollGapS: wireSummary(proxy.calls, t0, cancelled ?? tEnd).maxGapMs / 1000,
      healthSamples: health.count(t0, tEnd),
      healthBad: health.bad(t0, tEnd),
      ...(allCancelledS === undefined ? {} : { allCancelledS }),
      cancelRpcs: difference(sdiag1.byUser, sdiag2.byUser)[user] ?? 0,
      cancelRpcsByType: difference(sdiag1.byType, sdiag2.byType),
      submitRpcs: difference(sdiag0.byUser, sdiag1.byUser)[user] ?? 0,
      refusalsSubmit,
      refusalsCancel,
      httpSubmitPhase: submitPhase.byKind,
      httpCancelPhase: cancelPhase.byKind,
      submitsAbandoned: proxy.calls.filter((c) => c.kind === 'submit' && c.abandoned).length,
      logFile,
    };
  } finally {
    health.stop();
    await deployer.stop();
    await jobs.stop();
    // Leave nothing behind: the run's jobs still active (by id, as root), its keys, the proxy.
    await jobs.read().catch(() => undefined);
    const left = jobs.active().map((j) => String(j.jobId));
    for (let i = 0; i < left.length; i += 500) await inRoot(release.root, ['scancel', ...left.slice(i, i + 500)]).catch(() => undefined);
    await db.removeAll().catch(() => undefined);
    db.close();
    await proxy.close();
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
