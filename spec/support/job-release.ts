// A job that runs until its spec lets it end: it waits for a file of its own in the job folder
// (its working directory), which the spec writes once it has seen what it needed while the job
// ran. A fixed `sleep` had to outlast the slowest (rate-limited) run, and every run paid for it.

import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ReleaseEnv } from './stack.js';

/** A job not released within this bound ends anyway (a spec that died leaves no job behind for long). */
const BOUND_SECONDS = 300;

export interface JobRelease {
  /** Lines of bash that return once the job is released (relative to the job's working directory). */
  readonly wait: string;
  /** Lets the job go on past `wait`. */
  release(): Promise<void>;
  /** Removes the file (after the spec, released or not). */
  remove(): Promise<void>;
}

/** `env.SLURM_JOB_DIR` must be the job's working directory. */
export function jobRelease(env: ReleaseEnv, what: string): JobRelease {
  const name = `release-${what}-${randomBytes(3).toString('hex')}`;
  const onHost = path.join(env.SLURM_JOB_DIR_ON_HOST, name);
  return {
    wait: `for _ in $(seq ${BOUND_SECONDS * 10}); do [ -e ${name} ] && break; sleep 0.1; done\n`,
    release: () => writeFile(onHost, '', { mode: 0o644 }),
    remove: () => rm(onHost, { force: true }),
  };
}
