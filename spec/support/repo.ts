// Where things are, seen from a compiled spec in dist/spec/...: the repository root and the
// shared reference folder beside the checkout.

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

/** `../shared/reference` beside the checkout. Specs that need it fail, never skip, without it. */
export const referenceDir = path.resolve(repoRoot, '..', 'shared', 'reference');

export function referenceFile(...parts: string[]): string {
  const file = path.join(referenceDir, ...parts);
  if (!existsSync(file)) throw new Error(`reference file missing: ${file} (the shared/ folder must sit beside the checkout)`);
  return file;
}
