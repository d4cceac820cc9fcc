// What every chaos phase works with: the shared Slurm, a private etcd behind a TCP gate, the
// deployer under test, its health sampler, and the views from Slurm's and etcd's side.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Etcd3 } from 'etcd3';
import { deploymentKey, stateKey } from '../../lib/configdb/paths.js';
import { deployerEnv } from '../support/deployer-process.js';
import { freePort } from '../support/free-port.js';
import { startPrivateEtcd, type PrivateEtcd } from '../support/private-etcd.js';
import { repoRoot } from '../support/repo.js';
import { slurmJobs, cancelDirect, type RawJob } from '../support/slurm-direct.js';
import { mintSlurmToken } from '../support/slurm-tokens.js';
import { startStack, stackDir, type StackEnv } from '../support/stack.js';
import { TcpGate } from '../support/tcp-gate.js';
import { DeployerUnderTest } from './deployer-under-test.js';
import { HealthSampler } from './health-sampler.js';

export interface DeploymentState {
  readonly status?: string;
  readonly job_id?: number;
  readonly reason?: string;
}

export interface ChaosRig {
  readonly tag: string;
  readonly dir: string;
  readonly stack: StackEnv;
  readonly etcd: PrivateEtcd;
  readonly gate: TcpGate;
  readonly deployer: DeployerUnderTest;
  readonly health: HealthSampler;
  readonly label: string;
  readonly loopIntervalSeconds: number;
  /** The deployer's SDP_CONFIG_PREFIX: the suite checks that it keeps to it under every fault. */
  readonly prefix: string;
  root(): Etcd3;
  /** Puts a raw value at <prefix>/deploy/<id>; the etcd revision of the put. */
  put(id: string, value: string | Buffer): Promise<number>;
  remove(id: string): Promise<void>;
  state(id: string): Promise<DeploymentState | undefined>;
  /** Jobs carrying the label of the deployer under test. */
  jobs(): Promise<RawJob[]>;
  /** Runs `script` (bash) while holding the shared outage lock; `onLine` hears what it prints. */
  outage(script: string, onLine: (line: string) => void): Promise<void>;
  close(): Promise<void>;
}

const OUTAGE_LOCK = '/tmp/sdp-stack-outage.lock';

export async function openChaosRig(options: { readonly loopIntervalSeconds?: number } = {}): Promise<ChaosRig> {
  const tag = randomBytes(3).toString('hex');
  const dir = path.join('/tmp', `sdp-chaos-${tag}`);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777); // jobs run as the Slurm user: an injected `touch` must be able to leave its marker
  const stack = await startStack();
  const etcd = await startPrivateEtcd(`chaos${tag}`);
  const gate = await TcpGate.start(etcd.port);
  const release = `chaos${tag}`;
  const prefix = `/chaos-${tag}`;
  const loopIntervalSeconds = options.loopIntervalSeconds ?? 1;
  const metricsPort = await freePort();
  // A token valid for 60 days: its refresh point lies beyond one Node timer (issue 11, 3).
  const now = Math.floor(Date.now() / 1000);
  const longToken = mintSlurmToken(stack.SLURM_JWT_KEY_FILE, stack.SLURM_USER, now + 60 * 86_400, now - 60);
  const etcdEnv = Object.fromEntries(Object.entries(etcd.env).filter(([k]) => k.startsWith('SDP_CONFIG_') && k !== 'SDP_CONFIG_CLIENT_CERT' && k !== 'SDP_CONFIG_CLIENT_KEY'));
  const env: Record<string, string> = {
    ...deployerEnv(stack, release),
    ...etcdEnv,
    SDP_CONFIG_PORT: String(gate.port),
    SDP_CONFIG_PREFIX: prefix,
    SDP_SLURMDEPLOY_SLURM_JWT: longToken,
    SDP_SLURMDEPLOY_LOOP_INTERVAL: String(loopIntervalSeconds),
    SDP_SLURMDEPLOY_METRICS_PORT: String(metricsPort),
    SDP_SLURMDEPLOY_METRICS_HOST: '127.0.0.1',
    SDP_SLURMDEPLOY_LIVENESS_FILE: path.join(dir, 'alive'),
    SDP_LOG_LEVEL: 'INFO',
    SDP_LOG_FORMAT: 'json',
  };
  const deployer = new DeployerUnderTest(env, path.join(dir, 'deployer.log'));
  const health = new HealthSampler(`http://127.0.0.1:${metricsPort}`, deployer);
  const label = `sdp_slurm_deployer_${release}_test`;

  return {
    tag,
    dir,
    stack,
    etcd,
    gate,
    deployer,
    health,
    label,
    loopIntervalSeconds,
    prefix,
    root: () => etcd.root,
    put: async (id, value) => Number((await etcd.root.put(deploymentKey(id, prefix)).value(value).exec()).header.revision),
    remove: async (id) => {
      await etcd.root.delete().key(deploymentKey(id, prefix)).exec();
    },
    state: async (id) => {
      const text = await etcd.root.get(stateKey(id, prefix)).string();
      return text === null ? undefined : (JSON.parse(text) as DeploymentState);
    },
    jobs: async () => {
      // slurmrestd may be down for a while: another engineer's outage, or this suite's own.
      for (let attempt = 1; ; attempt++) {
        try {
          return (await slurmJobs(stack)).filter((j) => j.mcs_label === label);
        } catch (error) {
          if (attempt >= 60) throw error;
          await sleep(3000);
        }
      }
    },
    outage: (script, onLine) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn('flock', [OUTAGE_LOCK, 'bash', '-c', script], { cwd: repoRoot, env: { ...process.env, SDP_STACK_DIR: stackDir() }, stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.on('data', (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).forEach(onLine));
        child.stderr.on('data', () => undefined);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`outage script exited ${code}`))));
      }),
    close: async () => {
      health.stop();
      await deployer.stop();
      // Leave no load on the shared Slurm.
      for (const job of (await slurmJobs(stack).catch(() => [] as RawJob[])).filter((j) => j.mcs_label === label && (j.job_state === 'PENDING' || j.job_state === 'RUNNING'))) {
        await cancelDirect(stack, job.job_id).catch(() => undefined);
      }
      await gate.close();
      await etcd.dispose();
    },
  };
}

export const randomBetween = (min: number, max: number) => min + Math.random() * (max - min);

/** Waits until `done()` holds, checking every `everyMs`; false when `timeoutMs` passed first. */
export async function until(done: () => Promise<boolean>, timeoutMs: number, everyMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}
