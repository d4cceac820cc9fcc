// The environment the image gives the deployer's process (scripts/image/Containerfile, its ENV
// lines): the bench and the soak run their deployers with the same, so they measure what ships.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// Compiled to dist/scripts/image: the repository's root is three levels up.
const repo = path.resolve(here, '..', '..', '..');
export const CONTAINERFILE = path.join(repo, 'scripts', 'image', 'Containerfile');

/** Every `KEY=value` of the Containerfile's ENV instructions, continuation lines joined. */
export function shippedEnv(containerfile = CONTAINERFILE): Readonly<Record<string, string>> {
  const text = readFileSync(containerfile, 'utf8').replace(/\\\r?\n/g, ' ');
  const env: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const instruction = line.match(/^\s*ENV\s+(.*)$/i);
    if (instruction?.[1] === undefined) continue;
    for (const pair of instruction[1].matchAll(/(\w+)=("[^"]*"|\S+)/g)) {
      env[pair[1] as string] = (pair[2] as string).replace(/^"|"$/g, '');
    }
  }
  return env;
}

/** One variable the image must set: a missing one is an error, never a silently other measure. */
export function shippedVariable(name: string, containerfile = CONTAINERFILE): string {
  const value = shippedEnv(containerfile)[name];
  if (value === undefined) throw new Error(`no ${name} in ${containerfile}`);
  return value;
}
