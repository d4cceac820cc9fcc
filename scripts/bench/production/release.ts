// A chroot Slurm release of the local stack (scripts/chroot-slurm.sh) as the production bench sees
// it: its env file, commands run as root inside its root (root is exempt from the rate limit, so
// watching costs the deployer's user nothing), its rate limit, sdiag, and its daemons' /proc.

import { execFile } from 'node:child_process';
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Release {
  readonly name: string;
  readonly env: Readonly<Record<string, string>>;
  readonly root: string;
  readonly url: string;
  readonly benchUser: string;
  readonly benchToken: string;
  readonly benchUid: number;
  readonly jobDir: string;
  readonly jobDirOnHost: string;
}

export function stackDir(): string {
  return process.env['SDP_STACK_DIR'] ?? '/tmp/sdp-slurm-stack';
}

export async function readEnvFile(file: string): Promise<Record<string, string>> {
  const text = await readFile(file, 'utf8');
  return Object.fromEntries(text.split('\n').flatMap((l) => (l.includes('=') && !l.startsWith('#') ? [[l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim()]] : [])));
}

export async function openRelease(name: string): Promise<Release> {
  const env = await readEnvFile(path.join(stackDir(), `stack-${name}.env`));
  const need = (key: string) => {
    const value = env[key];
    if (value === undefined || value === '') throw new Error(`stack-${name}.env has no ${key}: start the release with this checkout's scripts (SLURM_RELEASE=${name} scripts/stack-start.sh)`);
    return value;
  };
  const root = need('SLURM_ROOT');
  const benchUser = need('SLURM_BENCH_USER');
  const uid = Number((await inRoot(root, ['id', '-u', benchUser])).trim());
  return {
    name,
    env,
    root,
    url: need('SLURM_URL'),
    benchUser,
    benchToken: need('SLURM_BENCH_JWT'),
    benchUid: uid,
    jobDir: need('SLURM_JOB_DIR'),
    jobDirOnHost: need('SLURM_JOB_DIR_ON_HOST'),
  };
}

/** Runs a command as root inside the release's root, with its slurm.conf; its stdout. */
export async function inRoot(root: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run('chroot', [root, '/usr/bin/env', '-i', 'PATH=/usr/bin:/usr/sbin:/bin:/sbin', 'SLURM_CONF=/stack/slurm/slurm.conf', ...args], { maxBuffer: 256 << 20 });
  return stdout;
}

export interface RateLimit {
  readonly bucket: number;
  readonly refillRate: number;
  readonly refillPeriodS: number;
}

/** The rate limit slurmctld runs with (slurm.conf's SlurmctldParameters, Slurm's defaults beside). */
export async function rateLimit(release: Release): Promise<RateLimit | undefined> {
  const params = /^SlurmctldParameters\s*=\s*(.*)$/m.exec(await inRoot(release.root, ['scontrol', 'show', 'config']))?.[1] ?? '';
  const words = params.split(',').map((w) => w.trim());
  if (!words.includes('rl_enable')) return undefined;
  const value = (key: string, fallback: number) => Number(words.find((w) => w.startsWith(`${key}=`))?.split('=')[1] ?? fallback);
  return { bucket: value('rl_bucket_size', 30), refillRate: value('rl_refill_rate', 2), refillPeriodS: value('rl_refill_period', 1) };
}

/** The bucket's floor for n requests of one user: what is left after the bucket, at the refill rate. */
export const floorSeconds = (limit: RateLimit, n: number) => (Math.max(0, n - limit.bucket) * limit.refillPeriodS) / limit.refillRate;

export interface Sdiag {
  readonly byType: Readonly<Record<string, number>>;
  readonly byUser: Readonly<Record<string, number>>;
}

/** sdiag's RPC counts, by message type and by user (cumulative: the bench reads differences, never resets what others may be reading). */
export async function sdiag(release: Release): Promise<Sdiag> {
  const text = await inRoot(release.root, ['sdiag']);
  const section = (title: string) => {
    const start = text.indexOf(title);
    if (start < 0) return {};
    const counts: Record<string, number> = {};
    for (const line of text.slice(start + title.length).split('\n').slice(1)) {
      const m = /^\s+(\S+)\s+\(\s*\d+\)\s+count:(\d+)/.exec(line);
      if (m === null) break;
      counts[m[1] as string] = Number(m[2]);
    }
    return counts;
  };
  return { byType: section('Remote Procedure Call statistics by message type'), byUser: section('Remote Procedure Call statistics by user') };
}

/** after - before, per key; a counter that went down (someone reset sdiag) gives NaN. */
export function difference(before: Readonly<Record<string, number>>, after: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d !== 0) out[k] = d < 0 ? Number.NaN : d;
  }
  return out;
}

const ctldLog = (release: Release) => path.join(release.root, 'stack', 'log', 'slurmctld.log');

/** Where slurmctld's log ends now: refusals are counted from here on. */
export async function logMark(release: Release): Promise<number> {
  return (await stat(ctldLog(release))).size;
}

/** Refusals of the rate limit to `uid` logged since `mark`, by message type. */
export async function refusalsSince(release: Release, mark: number, uid: number): Promise<Record<string, number>> {
  const file = await open(ctldLog(release), 'r');
  try {
    const size = (await file.stat()).size;
    if (size < mark) return {};
    const buffer = Buffer.alloc(size - mark);
    await file.read(buffer, 0, buffer.length, mark);
    const counts: Record<string, number> = {};
    for (const m of buffer.toString('utf8').matchAll(new RegExp(`RPC rate limit exceeded by uid ${uid} with (\\S+)`, 'g'))) counts[m[1] as string] = (counts[m[1] as string] ?? 0) + 1;
    return counts;
  } finally {
    await file.close();
  }
}

export type Daemon = 'slurmctld' | 'slurmrestd';

export async function daemonPid(release: Release, daemon: Daemon): Promise<number> {
  // The first line: slurmctld rewrites its pid file in place after `scontrol reconfigure` (24.11
  // re-executes itself), so a shorter pid leaves the end of the longer one behind ("976\n9\n").
  return Number((await readFile(path.join(release.root, 'stack', 'run', `${daemon}.pid`), 'utf8')).split('\n')[0]?.trim());
}

const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system, all threads) a process has used so far. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5), counted from the state (field 3) on.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** VmRSS and VmHWM (peak) of a process, in MB. */
export async function memoryMB(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/**
 * Throws unless slurmctld is the process it was at `pid` and still runs the rate limit: a stack
 * restarted meanwhile (by an older checkout's start script, which drops the rate limit and cancels
 * every job) makes the run's figures meaningless.
 */
export async function assertUnchanged(release: Release, pid: number, limited = true): Promise<void> {
  const now = await daemonPid(release, 'slurmctld');
  if (now !== pid) throw new Error(`slurmctld of ${release.name} was restarted during the run (pid ${pid} -> ${now}): the figures are not valid`);
  if (limited && (await rateLimit(release)) === undefined) throw new Error(`slurmctld of ${release.name} no longer runs the rate limit: the figures are not valid`);
}
