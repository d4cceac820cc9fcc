// The real local stack (etcd + Slurm with slurmrestd) for live specs: started once per test
// process by scripts/stack-start.sh (idempotent, safe in parallel), described by its env file.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './repo.js';

export interface StackEnv {
  readonly SDP_STACK_DIR: string;
  readonly SLURM_URL: string;
  readonly SLURM_USER: string;
  readonly SLURM_JWT: string;
  /** A token of SlurmUser (slurm): not rate limited, and may act as any user. */
  readonly SLURM_ADMIN_TOKEN: string;
  /** 24.11 and 26.05 only: the user of the live matrix's deployer specs, with a rate-limit bucket of its own. */
  readonly SLURM_MATRIX_USER?: string;
  readonly SLURM_MATRIX_JWT?: string;
  /** 24.11 and 26.05 only: "1" where slurmdbd is behind slurmctld and slurmrestd serves /slurmdb/. */
  readonly SLURM_ACCOUNTING?: string;
  readonly SLURM_JWT_KEY_FILE: string;
  /** The JWKS slurmctld trusts (AuthAltParameters=jwks=), the PEM private key of its one RS256 key (root only), and its kid. */
  readonly SLURM_JWKS_FILE: string;
  readonly SLURM_JWKS_SIGNING_KEY: string;
  readonly SLURM_JWKS_KID: string;
  readonly SLURM_CONF: string;
  readonly SLURM_JOB_DIR: string;
  readonly ETCD_ENDPOINT: string;
  readonly SDP_CONFIG_HOST: string;
  readonly SDP_CONFIG_PORT: string;
}

const run = promisify(execFile);
let started: Promise<StackEnv> | undefined;

export function stackDir(): string {
  return process.env['SDP_STACK_DIR'] ?? '/tmp/sdp-slurm-stack';
}

/** Starts the stack (once per process) and returns its env file's values. */
export function startStack(): Promise<StackEnv> {
  started ??= (async () => {
    await run('bash', [path.join(repoRoot, 'scripts', 'stack-start.sh')], { timeout: 600_000, maxBuffer: 16 << 20 });
    return readStackEnv();
  })();
  return started;
}

/** A real Slurm release the stack scripts can start: the host's, or one in a cached chroot. */
export type SlurmRelease = '22.05' | '24.11' | '26.05';

export interface ReleaseEnv extends StackEnv {
  readonly SLURM_RELEASE: SlurmRelease;
  /** SLURM_JOB_DIR as the host sees it (the chroot's /stack/jobs is below its root). */
  readonly SLURM_JOB_DIR_ON_HOST: string;
}

const releases = new Map<SlurmRelease, Promise<ReleaseEnv>>();

/**
 * Starts the stack with that release's Slurm (once per process; SLURM_RELEASE=... stack-start.sh:
 * a chroot release is built into its cache on first use, about a minute) and returns its env.
 */
export function startRelease(release: SlurmRelease): Promise<ReleaseEnv> {
  let started = releases.get(release);
  if (started === undefined) {
    started = (async () => {
      await run('bash', [path.join(repoRoot, 'scripts', 'stack-start.sh')], {
        timeout: 900_000,
        maxBuffer: 16 << 20,
        env: { ...process.env, SLURM_RELEASE: release },
      });
      const env = await readStackEnv(release === '22.05' ? 'stack.env' : `stack-${release}.env`);
      return { SLURM_JOB_DIR_ON_HOST: env.SLURM_JOB_DIR, ...env, SLURM_RELEASE: release } as ReleaseEnv;
    })();
    releases.set(release, started);
  }
  return started;
}

export async function readStackEnv(file = 'stack.env'): Promise<StackEnv> {
  const text = await readFile(path.join(stackDir(), file), 'utf8');
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && !line.startsWith('#')) env[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return env as unknown as StackEnv;
}
