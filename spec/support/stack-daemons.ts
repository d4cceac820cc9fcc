// Stops one daemon of the local stack by the PID it recorded, and starts the stack again: the
// way to make slurmrestd or slurmctld go away for a while in a live spec.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { repoRoot } from './repo.js';
import { stackDir } from './stack.js';

const run = promisify(execFile);

export type StackDaemon = 'slurmrestd' | 'slurmctld';

export async function stopDaemon(daemon: StackDaemon): Promise<void> {
  const pid = Number((await readFile(path.join(stackDir(), 'run', `${daemon}.pid`), 'utf8')).trim());
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** scripts/stack-start.sh starts what is not running and waits until the stack answers. */
export async function restartStack(): Promise<void> {
  await run('bash', [path.join(repoRoot, 'scripts', 'stack-start.sh')], { timeout: 120_000 });
}

/** Alive and not a zombie (a stopped daemon stays a zombie until PID 1 reaps it). */
function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}
