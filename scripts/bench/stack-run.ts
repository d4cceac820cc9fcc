// One child process: put -> submit answered on the real local stack (etcd + slurmrestd), against
// its floor measured in the same run: an etcd3 watch plus one POST of the same job to slurmrestd,
// nothing else. Both submit to a partition that never starts a job: the measure ends at the
// submit's answer, and jobs run on this machine would take its cores from what is measured. Samples alternate (floor, deployer) so that noise hits both alike. Everything is
// written below a global prefix of its own; the jobs are cancelled and the keys removed after.
// Usage: node stack-run.js <dist root> <samples> <poll interval ms>

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Etcd3 } from 'etcd3';
import { Subject } from 'rxjs';
import type { ConfigDb } from '../../lib/configdb/config-db.js';
import type { EtcdConfigDbOptions } from '../../lib/configdb/etcd-config-db.js';
import type { JobSpec } from '../../lib/core/slurm-job.js';
import type { ConnectSlurmOptions } from '../../lib/slurm/rest-client.js';
import type { SlurmApi } from '../../lib/slurm/slurm-api.js';
import type { DeployerOutput } from '../../streams/loop/deployer.js';
import { loadImplementation } from './implementation.js';
import { median, percentile } from './timing.js';
import { benchSettings } from './workload.js';

export interface StackRun {
  readonly samples: number;
  readonly floorP50Ms: number;
  readonly floorP99Ms: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** The stack's partition that takes jobs and never starts them (scripts/stack-start.sh). */
const PARKED = 'parked';

async function stackEnv(): Promise<Record<string, string>> {
  const text = await readFile(path.join(process.env['SDP_STACK_DIR'] ?? '/tmp/sdp-slurm-stack', 'stack.env'), 'utf8');
  return Object.fromEntries(text.split('\n').flatMap((l) => (l.includes('=') && !l.startsWith('#') ? [[l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim()]] : [])));
}

async function main(): Promise<void> {
  const [root, samplesText, intervalText] = process.argv.slice(2);
  if (root === undefined) throw new Error('usage: stack-run <dist root> <samples>');
  const samples = Number(samplesText ?? 30);
  const env = await stackEnv();
  const load = (file: string) => import(pathToFileURL(path.join(root, file)).href) as Promise<Record<string, unknown>>;
  const impl = await loadImplementation(root);
  const { createEtcdConfigDb } = (await load('lib/configdb/etcd-config-db.js')) as { createEtcdConfigDb: (o: EtcdConfigDbOptions) => ConfigDb };
  const { connectSlurm } = (await load('lib/slurm/rest-client.js')) as { connectSlurm: (o: ConnectSlurmOptions) => Promise<SlurmApi> };
  const { deploymentKey, deploymentsKeyPrefix, statesKeyPrefix } = (await load('lib/configdb/paths.js')) as {
    deploymentKey: (id: string, prefix?: string) => string;
    deploymentsKeyPrefix: (prefix?: string) => string;
    statesKeyPrefix: (prefix?: string) => string;
  };

  const run = randomBytes(3).toString('hex');
  const prefix = `/bench-${run}`;
  const floorPrefix = `/bench-floor-${run}`;
  const hosts = `http://${env['SDP_CONFIG_HOST']}:${env['SDP_CONFIG_PORT']}`;
  const credentials = impl.staticJwtProvider(env['SLURM_USER'] ?? '', new impl.Secret(env['SLURM_JWT'] ?? ''));
  const slurmOptions = { baseUrl: env['SLURM_URL'] ?? '', credentials };
  const raw = new Etcd3({ hosts });
  const db = createEtcdConfigDb({ hosts, prefix });
  // The stack is shared: another run's outage spec may have slurmrestd down for a while.
  const connect = async (more: { readonly jobLabel?: string }): Promise<SlurmApi> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await connectSlurm({ ...slurmOptions, ...more });
      } catch (error) {
        if (attempt >= 60) throw error;
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
  };
  const label = `sdp_slurm_deployer_bench_${run}`;
  // The deployer's client as bin/clients.ts makes it: it lists the jobs of its label only.
  const slurm = await connect({ jobLabel: label });
  const floorSlurm = await connect({});
  const settings = benchSettings(Number(intervalText ?? 60_000));
  const reducer = impl.createReducer({ ...settings, job: { ...settings.job, label, defaults: { currentWorkingDirectory: env['SLURM_JOB_DIR'] ?? '/tmp' } } });

  const submittedAt = new Map<string, { resolve: (t: number) => void }>();
  const jobIds: number[] = [];
  let firstSpec: JobSpec | undefined;
  let polled = false;
  const stop = new Subject<void>();
  let completed = false;
  const subscription = impl
    .deployer({ sources: [impl.configEvents(db), impl.ticks(1000)], sinks: impl.createSinks(slurm, db), reducer, stop })
    .subscribe({
      next: (o: DeployerOutput) => {
        if (o.type !== 'step') return;
        if (o.event.type === 'jobsPolled') polled = true;
        if (o.event.type === 'jobSubmitted') {
          jobIds.push(o.event.jobId);
          submittedAt.get(o.event.id)?.resolve(performance.now());
        }
        for (const c of o.commands) if (c.type === 'submitJob') firstSpec ??= c.spec;
      },
      complete: () => (completed = true),
    });
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  for (let i = 0; i < 300 && !polled; i++) await wait(100);
  if (!polled) throw new Error('stack: the deployer never polled Slurm');

  const viaDeployer = async (i: number): Promise<number> => {
    const id = `bench-${run}-${i}`;
    const answered = new Promise<number>((resolve) => submittedAt.set(id, { resolve }));
    const t0 = performance.now();
    await raw.put(deploymentKey(id, prefix)).value(JSON.stringify({ key: id, kind: 'slurm', args: { script: '#!/bin/bash\ntrue\n', partition: PARKED } }));
    return (await Promise.race([answered, wait(30_000).then(() => Number.NaN)])) - t0;
  };

  const watcher = await raw.watch().prefix(deploymentsKeyPrefix(floorPrefix)).create();
  const floor = async (i: number, spec: JobSpec): Promise<number> => {
    const id = `floor-${run}-${i}`;
    const done = new Promise<number>((resolve) => {
      const onPut = (kv: { key: Buffer }) => {
        if (kv.key.toString() !== deploymentKey(id, floorPrefix)) return;
        watcher.off('put', onPut);
        void floorSlurm.submit({ ...spec, name: id, comment: `bench-floor:${id}` }).then((jobId) => {
          jobIds.push(jobId);
          resolve(performance.now());
        });
      };
      watcher.on('put', onPut);
    });
    const t0 = performance.now();
    await raw.put(deploymentKey(id, floorPrefix)).value('{}');
    return (await Promise.race([done, wait(30_000).then(() => Number.NaN)])) - t0;
  };

  const floors: number[] = [];
  const deployed: number[] = [];
  try {
    await viaDeployer(-1); // warm-up: also yields the job spec the floor submits
    if (firstSpec === undefined) throw new Error('stack: no submit seen');
    await floor(-1, firstSpec);
    for (let i = 0; i < samples; i++) {
      floors.push(await floor(i, firstSpec));
      await wait(50);
      deployed.push(await viaDeployer(i));
      await wait(50);
    }
  } finally {
    await watcher.cancel();
    stop.next();
    for (let i = 0; i < 100 && !completed; i++) await wait(100);
    subscription.unsubscribe();
    for (const jobId of jobIds) await slurm.cancel(jobId).catch(() => undefined);
    for (const p of [prefix, floorPrefix]) {
      await raw.delete().prefix(deploymentsKeyPrefix(p));
      await raw.delete().prefix(statesKeyPrefix(p));
    }
    raw.close();
    await db.close();
    await slurm.close();
    await floorSlurm.close();
  }
  const ok = (xs: number[]) => xs.filter((x) => Number.isFinite(x));
  const result: StackRun = {
    samples,
    floorP50Ms: median(ok(floors)),
    floorP99Ms: percentile(ok(floors), 99),
    p50Ms: median(ok(deployed)),
    p99Ms: percentile(ok(deployed), 99),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
