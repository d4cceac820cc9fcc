// Runs `node bin/deployer` as a subprocess against the local stack, as an operator would,
// keeping what it prints for assertions.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { LIVE_PREFIX } from './live-prefix.js';
import { repoRoot } from './repo.js';
import type { StackEnv } from './stack.js';

export interface DeployerProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
}

export function deployerEnv(stack: StackEnv, releaseName: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    SDP_SLURMDEPLOY_SLURM_URL: stack.SLURM_URL,
    SDP_SLURMDEPLOY_CLIENT_ID: stack.SLURM_USER,
    SDP_SLURMDEPLOY_SLURM_JWT: stack.SLURM_JWT,
    SDP_SLURMDEPLOY_RELEASE_NAME: releaseName,
    SDP_SLURMDEPLOY_NAMESPACE: 'test',
    SDP_SLURMDEPLOY_LOOP_INTERVAL: '1',
    // A killed deployer's successor waits 3 s, not 20, for submits still inside slurmrestd: the
    // specs' bursts are small (the chaos burst runs with the default, as a site would).
    SDP_SLURMDEPLOY_TAKEOVER_HOLD: '3',
    SDP_SLURMDEPLOY_LIVENESS_FILE: path.join(stack.SDP_STACK_DIR, `alive-${releaseName}`),
    SDP_SLURMDEPLOY_JOB_WORKDIR: stack.SLURM_JOB_DIR,
    SDP_CONFIG_HOST: stack.SDP_CONFIG_HOST,
    SDP_CONFIG_PORT: stack.SDP_CONFIG_PORT,
    // Never the Config DB's root: the stack's etcd holds a developer's keys too (live-prefix.ts).
    SDP_CONFIG_PREFIX: LIVE_PREFIX,
    SDP_LOG_LEVEL: 'DEBUG',
    ...extra,
  };
}

export function startDeployer(env: Record<string, string>): DeployerProcess {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'deployer')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  // The liveness file is this run's: gone with it, so that the stack's folder does not fill with them.
  const liveness = env['SDP_SLURMDEPLOY_LIVENESS_FILE'];
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (liveness === undefined || liveness === '/dev/null') return resolve(code);
      void rm(liveness, { force: true }).then(() => resolve(code), () => resolve(code));
    }),
  );
  let signalled = false;
  return {
    child,
    output: () => text,
    stop: async () => {
      // One SIGTERM, however often stop() is called: a second signal means "exit at once".
      if (child.exitCode === null && child.signalCode === null && !signalled) {
        signalled = true;
        child.kill('SIGTERM');
      }
      return exited;
    },
  };
}

/** `node bin/deployer` run to its end with this environment (30 s at most): exit code and what it printed. */
export async function runDeployerOnce(env: Record<string, string>): Promise<{ code: number; text: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'bin', 'deployer')], { env, timeout: 30_000 });
    return { code: 0, text: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, text: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}
