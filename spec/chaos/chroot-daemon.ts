// A Slurm daemon of a chroot release (slurmrestd, slurmctld) stopped by its PID for an outage and
// brought back as the very process it was: root, user, environment, command line and output, read
// from /proc before the stop. The stack's start scripts are not run for this: a checkout older or
// newer than the one that started the release renders another slurm.conf and reconfigures the
// shared cluster (a soak runs half an hour while others change those scripts).

import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { daemonPid, inRoot, type Daemon, type Release } from '../../scripts/bench/production/release.js';

interface DaemonImage {
  readonly root: string;
  readonly argv: readonly string[];
  readonly env: readonly string[];
  readonly uid: number;
  readonly gid: number;
  /** Where its stdout went (slurmrestd logs there); /dev/null when it cannot be told. */
  readonly output: string;
}

const alive = (pid: number) => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

/** The process at `pid` if it is that release's daemon: its root is the release's, its command the daemon's (comm may differ: slurmctld-wlm). */
function ours(release: Release, daemon: Daemon, pid: number): boolean {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return readlinkSync(`/proc/${pid}/root`) === release.root && path.basename(command) === daemon;
  } catch {
    return false;
  }
}

function imageOf(pid: number): DaemonImage {
  const list = (file: string) => readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0').filter(Boolean);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const id = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
  let output = '/dev/null';
  try {
    output = readlinkSync(`/proc/${pid}/fd/1`);
  } catch {
    // gone meanwhile: the output is lost, nothing else
  }
  return { root: readlinkSync(`/proc/${pid}/root`), argv: list('cmdline'), env: list('environ'), uid: id('Uid'), gid: id('Gid'), output: output.startsWith('/') ? output : '/dev/null' };
}

async function ready(release: Release, daemon: Daemon, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const up =
      daemon === 'slurmrestd'
        ? await fetch(`${release.url}/openapi/v3`, { signal: AbortSignal.timeout(5000) }).then(() => true, () => false)
        : await inRoot(release.root, ['scontrol', 'ping']).then((out) => out.includes('is UP'), () => false);
    if (up) return true;
    await sleep(500);
  }
  return false;
}

async function stopPid(pid: number, withinMs: number): Promise<void> {
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + withinMs;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new Error(`pid ${pid} did not stop within ${withinMs / 1000} s`);
    await sleep(100);
  }
}

/**
 * Execs its arguments with no fd above 2 (as scripts/chroot-slurm.sh starts a daemon): a daemon
 * keeps what it inherits for its life (a caller's pipe, a lock), and slurmctld refuses to start
 * with an fd it does not know ("_open_ports: unable to process fd:10"). The shell execs in place:
 * the child's pid is the daemon's.
 */
const NO_FDS = 'for fd in /proc/$BASHPID/fd/*; do fd=${fd##*/}; ((fd > 2)) && exec {fd}>&-; done; exec "$@"';

/** Starts the daemon again from its image; slurmctld daemonizes itself, slurmrestd gets its pid file from here, as the start script writes it. */
async function relaunch(image: DaemonImage, daemon: Daemon): Promise<void> {
  const out = openSync(image.output, 'a');
  try {
    // slurmctld starts as root and drops to SlurmUser itself; slurmrestd runs as its own user throughout.
    const asUser = daemon === 'slurmrestd' ? ['/usr/bin/setpriv', `--reuid=${image.uid}`, `--regid=${image.gid}`, '--init-groups'] : [];
    const command = ['chroot', image.root, ...asUser, '/usr/bin/env', '-i', ...image.env, ...image.argv];
    const child = spawn('bash', ['-c', NO_FDS, 'relaunch', ...command], { detached: true, stdio: ['ignore', out, out] });
    child.unref();
    if (daemon === 'slurmrestd') writeFileSync(path.join(image.root, 'stack', 'run', 'slurmrestd.pid'), `${child.pid}\n`);
    else await new Promise((resolve) => child.on('exit', resolve));
  } finally {
    closeSync(out);
  }
}

export interface OutageReport {
  readonly stoppedPid: number;
  readonly downMs: number;
  /** Restarts by someone else during the outage, stopped again. */
  readonly restartsStopped: number;
  readonly newPid: number;
}

/**
 * Stops the daemon, keeps it down for `downMs` (stopping again any copy someone else starts:
 * a live spec starting the stack meanwhile would end the outage early), starts it again and waits
 * until it answers. Call it while holding the locks that keep others' live runs out.
 */
export async function daemonOutage(release: Release, daemon: Daemon, downMs: number, onDown: () => void): Promise<OutageReport> {
  const pid = await daemonPid(release, daemon);
  if (!ours(release, daemon, pid)) throw new Error(`${daemon} of ${release.name} is not running (pid file says ${pid})`);
  const image = imageOf(pid);
  const started = Date.now();
  await stopPid(pid, 60_000);
  onDown();
  let restartsStopped = 0;
  while (Date.now() - started < downMs) {
    await sleep(500);
    const other = await daemonPid(release, daemon).catch(() => 0);
    if (other !== pid && other > 0 && ours(release, daemon, other) && alive(other)) {
      restartsStopped++;
      await stopPid(other, 60_000);
    }
  }
  const downFor = Date.now() - started;
  await relaunch(image, daemon);
  if (!(await ready(release, daemon, 90_000))) throw new Error(`${daemon} of ${release.name} does not answer after its restart`);
  return { stoppedPid: pid, downMs: downFor, restartsStopped, newPid: await daemonPid(release, daemon) };
}

/**
 * Takes the flock(1) locks in order, waiting at most `waitS` for each; the release function, or
 * undefined when one was not had in time. Held by a child process: if this one dies, they go.
 */
export async function holdLocks(files: readonly string[], waitS: number): Promise<(() => Promise<void>) | undefined> {
  const args = files.flatMap((f) => ['flock', '-w', String(waitS), f]).slice(1);
  const child = spawn('flock', [...args, 'sh', '-c', 'echo held; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const held = await new Promise<boolean>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('held') && resolve(true));
    child.on('exit', () => resolve(false));
  });
  if (!held) return undefined;
  return async () => {
    child.stdin.end();
    await exited;
  };
}
