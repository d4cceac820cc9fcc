// Where things are, seen from a compiled spec in dist/spec/...: the repository root and the
// fixtures folder (spec/fixtures: recordings of real slurmrestd servers and their OpenAPI
// documents). Everything a spec reads lives in the project: a bare clone passes.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

export const repoRoot = findRoot(path.dirname(fileURLToPath(import.meta.url)));

/** spec/fixtures in the checkout (not in dist/: specs read the sources' copy). */
export const fixturesDir = path.join(repoRoot, 'spec', 'fixtures');

export function fixtureFile(...parts: string[]): string {
  const file = path.join(fixturesDir, ...parts);
  if (!existsSync(file)) throw new Error(`fixture missing: ${file}`);
  return file;
}
