// Podman for the image spec: installed from Debian when missing, run the way these machines
// allow (vfs storage, runc, limits under the hard ones), and the image built by
// scripts/image-build.sh (cached: only a changed app is built again).

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './repo.js';

const run = promisify(execFile);

/** Global flags of every podman call: what works on this kind of machine (see docs/operations.md, Podman's limits). */
export const PODMAN_FLAGS = ['--storage-driver', 'vfs', '--runtime', 'runc'];
/** `podman run` limits under the machine's hard ones (nofile 20000), which podman's defaults exceed. */
export const RUN_LIMITS = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=4096:4096'];

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function podman(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeout?: number } = {}): Promise<Result> {
  try {
    const { stdout, stderr } = await run('podman', [...PODMAN_FLAGS, ...args], { env: options.env ?? process.env, timeout: options.timeout ?? 60_000, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string; message?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message ?? '' };
  }
}

/**
 * Why podman cannot run containers here, or undefined when it can. podman and runc are
 * installed from Debian's archive when missing (as root), as the stack's packages are.
 */
export async function podmanUnusable(): Promise<string | undefined> {
  const has = async (command: string) => (await run('sh', ['-c', `command -v ${command}`]).then(() => true, () => false));
  if (!(await has('podman')) || !(await has('runc'))) {
    try {
      const apt = { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000, maxBuffer: 64 << 20 };
      await run('apt-get', ['update', '-q'], apt);
      await run('apt-get', ['install', '-y', '-q', '-o', 'DPkg::Lock::Timeout=300', 'podman', 'runc'], apt);
    } catch (error) {
      return `podman and runc are not installed and apt-get could not install them: ${(error as Error).message.split('\n')[0]}`;
    }
  }
  const info = await podman(['info', '--format', '{{.Host.OCIRuntime.Name}}']);
  return info.code === 0 ? undefined : `podman info fails: ${info.stderr.trim().split('\n').slice(-1)[0] ?? ''}`;
}

/** Builds the image when missing or out of date (scripts/image-build.sh); its reference. */
export async function buildImage(): Promise<{ ref: string; seconds: number }> {
  const started = Date.now();
  // dist/ was compiled just before mocha ran (npm test), and mocha runs from it: pack it as it is.
  const { stdout } = await run('bash', [path.join(repoRoot, 'scripts', 'image-build.sh')], {
    env: { ...process.env, IMAGE_USE_DIST: '1' },
    timeout: 900_000,
    maxBuffer: 64 << 20,
  });
  const ref = stdout.trim().split('\n').at(-1) ?? '';
  return { ref, seconds: Math.round((Date.now() - started) / 1000) };
}
