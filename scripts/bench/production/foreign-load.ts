// The foreign load and the daemon restarts of the production bench, through the stack's own
// scripts (scripts/foreign-load.sh, scripts/stack-start.sh) of this checkout.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { daemonPid, openRelease, type Daemon, type Release } from './release.js';
import { until } from './waiting.js';

const run = promisify(execFile);
/** dist/scripts/bench/production -> the checkout. */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const script = (name: string) => path.join(repo, 'scripts', name);

export async function foreignCount(release: Release, state: 'pending' | 'all' = 'pending'): Promise<number> {
  if (state === 'all') return Number((await run('bash', [script('foreign-load.sh'), 'count', release.name])).stdout.trim());
  const { stdout } = await run('chroot', [release.root, '/usr/bin/env', '-i', 'PATH=/usr/bin', 'SLURM_CONF=/stack/slurm/slurm.conf', 'squeue', '-h', '-t', 'pending', '-u', release.env['SLURM_FOREIGN_USER'] ?? 'slurmforeign', '-n', 'sdp-foreign-load', '-o', '%i'], { maxBuffer: 64 << 20 });
  return stdout.split('\n').filter(Boolean).length;
}

/** Every job slurmctld still holds, of any user, ended ones included (until MinJobAge purges them). */
export async function clusterJobCount(release: Release): Promise<number> {
  const { stdout } = await run('chroot', [release.root, '/usr/bin/env', '-i', 'PATH=/usr/bin', 'SLURM_CONF=/stack/slurm/slurm.conf', 'squeue', '-h', '-t', 'all', '-o', '%i'], { maxBuffer: 64 << 20 });
  return stdout.split('\n').filter(Boolean).length;
}

/** Tops the release up to `n` pending foreign jobs; how many it added. */
export async function fillForeign(release: Release, n: number): Promise<number> {
  const missing = n - (await foreignCount(release));
  if (missing > 0) await run('bash', [script('foreign-load.sh'), 'fill', release.name, String(missing)], { maxBuffer: 16 << 20 });
  return Math.max(0, missing);
}

/** One foreign job changed every `seconds`, until the returned process is stopped. */
export function churnForeign(release: Release, seconds: number): ChildProcess {
  return spawn('bash', [script('foreign-load.sh'), 'churn', release.name, String(seconds)], { stdio: 'ignore' });
}

/** Cancels the foreign jobs and waits until slurmctld has forgotten them. */
export async function clearForeign(release: Release): Promise<void> {
  await run('bash', [script('foreign-load.sh'), 'clear', release.name], { maxBuffer: 16 << 20 });
}

/**
 * Stops one daemon of the release by its PID and has the stack's start script bring it back
 * (its jobs untouched); the release as its env file now reads (tokens are minted again).
 */
export async function restartDaemon(release: Release, daemon: Daemon): Promise<Release> {
  const pid = await daemonPid(release, daemon);
  process.kill(pid, 'SIGTERM');
  const gone = await until(() => !alive(pid), 30_000, 100);
  if (gone === undefined) process.kill(pid, 'SIGKILL');
  await run('bash', [script('stack-start.sh')], { env: { ...process.env, SLURM_RELEASE: release.name }, timeout: 300_000 });
  return openRelease(release.name);
}

/** Alive and not a zombie (a stopped daemon stays one until PID 1 reaps it). */
function alive(pid: number): boolean {
  try {
    return !(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').startsWith('Z');
  } catch {
    return false;
  }
}
