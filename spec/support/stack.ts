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
  readonly SLURM_ADMIN_TOKEN: string;
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

export async function readStackEnv(): Promise<StackEnv> {
  const text = await readFile(path.join(stackDir(), 'stack.env'), 'utf8');
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && !line.startsWith('#')) env[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return env as unknown as StackEnv;
}
