// The long soak (`npm run chaos -- --soak <minutes>`): three replicas on a 3-member etcd cluster
// and the rate-limited chroot Slurm with accounting, a steady load of deployments for the given
// minutes under faults at random intervals; then the faults stop, every deployment settles
// (bounded), and the verdict comes from Slurm accounting, with each replica's memory beside it.

import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminalStatus } from '../../lib/core/status.js';
import type { ChaosResult } from './chaos.js';
import { until } from './chaos-rig.js';
import type { Row } from './ledger.js';
import { hasAccounting, isActive, readAccounting, type AccountedJob } from './soak-accounting.js';
import { SoakFaults } from './soak-faults.js';
import { SoakLoad } from './soak-load.js';
import { GcTrace, RssSampler } from './soak-memory.js';
import { memoryRow } from './soak-memory-row.js';
import { openSoakRig, type SoakRig } from './soak-rig.js';
import { soakRows } from './soak-table.js';

export interface SoakOptions {
  readonly minutes: number;
  /** A chroot release with slurmdbd: 24.11 or 26.05. */
  readonly release: string;
  /** Replicas run with --trace-gc: the live heap after each full collection goes to heap-after-full-gc.csv. */
  readonly traceGc?: boolean;
  readonly say: (line: string) => void;
}

const STEP_MS = 3000;
const TARGET_LIVE = 30;
const FAULT_GAP_S = [15, 45] as const;
const SLOPE_WINDOW_MS = 20 * 60_000;
/** A new process's RSS climbs for about its first 10 minutes (measured: 85 -> 95 MB, then level). */
const WARMUP_MS = 10 * 60_000;
/** Fewer minutes of samples than this past warm-ups tell no slope. */
const MIN_MINUTES = 5;
/** The memory witness: started first (so it leads first) and never killed -9 (soak-memory-row.ts). */
const WITNESS = 'r1';
const SLOPE_BOUND_MB = 1;
const SETTLE_BOUND_MS = 10 * 60_000;

export async function runSoak(options: SoakOptions): Promise<ChaosResult> {
  const startedAt = Date.now();
  const gc = new GcTrace();
  const rig = await openSoakRig({
    tag: randomBytes(3).toString('hex'),
    release: options.release,
    loopIntervalS: 5,
    ...(options.traceGc === true ? { traceGc: (replica: string, line: string) => gc.hear(replica, line) } : {}),
    say: options.say,
  });
  if (!hasAccounting(rig.release)) {
    await rig.close();
    throw new Error(`Slurm ${options.release} runs without accounting (no SLURM_ACCOUNTING=1 in its env file): the soak's verdict comes from slurmdbd`);
  }
  const load = new SoakLoad(rig, TARGET_LIVE);
  const faults = new SoakFaults(rig, load, FAULT_GAP_S, WITNESS);
  const sampler = new RssSampler(rig.replicas, async () => (await rig.leader())?.id);
  const accounting = () => readAccounting(rig.release, rig.release.benchUser, rig.label, startedAt);
  try {
    rig.say(`soak ${rig.tag}: ${options.minutes} min on Slurm ${rig.release.name} as ${rig.release.benchUser}, logs in ${rig.dir}`);
    // The witness first: it leads through its own warm-up, the others start once it does.
    const witness = rig.replicas.find((r) => r.id === WITNESS)!;
    witness.process.start();
    sampler.start();
    if (!(await until(async () => (await rig.leader()) === witness, 60_000, 500))) throw new Error(`the witness ${WITNESS} did not lead within 60 s (see ${rig.dir})`);
    for (const r of rig.replicas) if (r !== witness) r.process.start();
    if (!(await until(async () => (await rig.leader()) !== undefined, 60_000, 500))) throw new Error(`no replica became leader within 60 s${rig.replicas.flatMap((r) => r.process.crashes).map((c) => `; ${c}`).join('')} (see the replicas' logs in ${rig.dir})`);
    rig.say(`leader: ${(await rig.leader())?.id}`);
    faults.start();
    const loadEnd = Date.now() + options.minutes * 60_000;
    let jobs = new Map<number, AccountedJob>();
    let jobsRead = 0;
    while (Date.now() < loadEnd) {
      const stepStart = Date.now();
      if (stepStart - jobsRead > 10_000) {
        jobs = new Map((await accounting().catch(() => [...jobs.values()])).map((j) => [j.jobId, j]));
        jobsRead = stepStart;
      }
      await load.step(await rig.states(), jobs);
      await sleep(Math.max(0, STEP_MS - (Date.now() - stepStart)));
    }
    rig.say(`load stopped: ${JSON.stringify(load.counts)}; stopping the faults`);
    await faults.stop();
    const loadStoppedAt = Date.now();
    for (const r of rig.replicas) if (!r.process.running) r.process.start();
    rig.say(`quiesce: ${await load.deleteLongRunning()} long-running deployments deleted; waiting (at most ${SETTLE_BOUND_MS / 60_000} min) for every deployment to settle`);
    let unsettled: string[] = [];
    const settled = await until(async () => {
      unsettled = unsettledOf(load, await rig.states(), await accounting());
      return unsettled.length === 0;
    }, SETTLE_BOUND_MS, 5000);
    rig.say(`  settled: ${settled ? 'yes' : `NO: ${unsettled.length} not settled, e.g. ${unsettled.slice(0, 3).join('; ')}`}`);
    sampler.stop();
    // Accounting hears of an ended job a moment later than slurmctld: read once more after a pause.
    await sleep(5000);
    const finalJobs = await accounting();
    const rows: Row[] = [...soakRows({ asked: load.asked, states: await rig.states(), jobs: finalJobs }), ...replicaRows(rig), memoryRow(sampler.samples, {
        witness: WITNESS,
        replicas: rig.replicas.map((r) => r.id),
        endMs: loadStoppedAt,
        windowMs: SLOPE_WINDOW_MS,
        warmupMs: WARMUP_MS,
        minMinutes: MIN_MINUTES,
        boundMB: SLOPE_BOUND_MB,
      }, gc.samples)];
    // What the verdict rests on: final states judged (those not deleted, and those deleted after they ended), jobs in accounting.
    const judged = [...load.asked.values()].filter((a) => !a.deleted || a.finalState !== undefined).length;
    writeFileSync(path.join(rig.dir, 'rss.csv'), `${sampler.csv()}\n`);
    if (gc.samples.length > 0) writeFileSync(path.join(rig.dir, 'heap-after-full-gc.csv'), `replica,pid,at_ms,heap_mb\n${gc.samples.map((s) => `${s.replica},${s.pid},${s.atMs},${s.rssMB}`).join('\n')}\n`);
    const kills = rig.replicas.reduce((a, r) => a + r.process.counts.kills, 0);
    const starts = rig.replicas.reduce((a, r) => a + r.process.counts.starts, 0);
    const injected = [...faults.done].map(([k, n]) => `${k} ${n}`).join(', ');
    const peaks = rig.replicas.map((r) => `${r.id} ${sampler.peakMB(r.id).toFixed(0)} MB`).join(', ');
    return {
      rows,
      kills,
      starts,
      deployments: load.asked.size,
      fuzzRecords: 0,
      seconds: Math.round((Date.now() - startedAt) / 1000),
      dir: rig.dir,
      title:
        `soak: ${options.minutes} min on Slurm ${rig.release.name} (3 replicas, 3-member etcd), ${load.asked.size} deployments ` +
        `(${load.counts.changed} changes, ${load.counts.deleted} deletes, ${load.counts.bursts} bursts of ${load.counts.burstDeployments} in all); ` +
        `${judged} final states judged against ${finalJobs.length} jobs in accounting; faults: ${injected}; ${faults.skipped.length} skipped; ${kills} kill -9, ${starts} starts; peak RSS ${peaks}; ` +
        `${Math.round((Date.now() - startedAt) / 1000)} s (logs: ${rig.dir})`,
    };
  } finally {
    sampler.stop();
    await faults.stop();
    await rig.close();
  }
}

/** Deployments not settled yet: a live one ended for its latest args, a deleted one gone; no job of the run active. */
function unsettledOf(load: SoakLoad, states: ReadonlyMap<string, { status: string; job_id?: number }>, jobs: readonly AccountedJob[]): string[] {
  const byId = new Map(jobs.map((j) => [j.jobId, j]));
  const out = jobs.filter(isActive).map((j) => `job ${j.jobId} of ${j.deployment ?? j.name} ${j.state}`);
  for (const a of load.asked.values()) {
    const latest = a.submits.at(-1);
    if (latest === undefined) continue;
    const state = states.get(a.id);
    if (a.deleted) {
      if (state !== undefined) out.push(`${a.id}: deleted, state left`);
      continue;
    }
    const job = state?.job_id === undefined ? undefined : byId.get(state.job_id);
    if (state === undefined || !isTerminalStatus(state.status as never) || job?.submit !== latest || isActive(job)) out.push(`${a.id}: state ${state?.status ?? 'none'} job ${state?.job_id ?? '-'}`);
  }
  return out;
}

function replicaRows(rig: SoakRig): Row[] {
  const faults = rig.replicas.flatMap((r) => Array.from({ length: r.process.counts.faults }, () => `${r.id}: see ${r.id}.log: "reducer failed on an event" / "an event source failed"`));
  const crashes = rig.replicas.flatMap((r) => r.process.crashes.map((c) => `${r.id}: ${c}`));
  return [
    { name: 'reducer faults', count: faults.length, details: faults },
    { name: 'deployer crashes', count: crashes.length, details: crashes },
  ];
}
