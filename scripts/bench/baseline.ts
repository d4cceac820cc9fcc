// The code before: a git ref checked out in a temporary worktree, node_modules borrowed from this
// checkout through a symlink, compiled with this checkout's tsc. Removed again afterwards.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface BaselineBuild {
  readonly ref: string;
  readonly commit: string;
  /** The compiled tree: lib/, streams/ ... as .js. */
  readonly distRoot: string;
  dispose(): Promise<void>;
}

export async function buildBaseline(repo: string, ref: string): Promise<BaselineBuild> {
  const commit = (await run('git', ['-C', repo, 'rev-parse', '--verify', `${ref}^{commit}`])).stdout.trim();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sdp-bench-baseline-'));
  const tree = path.join(dir, 'tree');
  await run('git', ['-C', repo, 'worktree', 'add', '--detach', tree, commit]);
  const dispose = async () => {
    await run('git', ['-C', repo, 'worktree', 'remove', '--force', tree]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    await run('git', ['-C', repo, 'worktree', 'prune']).catch(() => undefined);
  };
  try {
    await symlink(path.join(repo, 'node_modules'), path.join(tree, 'node_modules'), 'dir');
    await run(process.execPath, [path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(tree, 'tsconfig.json')], { maxBuffer: 16 << 20 });
    return { ref, commit, distRoot: path.join(tree, 'dist'), dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
