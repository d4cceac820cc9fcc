// What the image gives the deployer's process (scripts/image/Containerfile): the environment of
// its ENV lines and Node's flags on its ENTRYPOINT. The bench and the soak run their deployers
// with the same, so they measure what ships.
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

/**
 * Node's own flags on the image's ENTRYPOINT (`["/usr/bin/node", <flags>, ".../bin/deployer"]`):
 * those V8 refuses in NODE_OPTIONS. A missing or other entrypoint is an error.
 */
export function shippedNodeFlags(containerfile = CONTAINERFILE): readonly string[] {
  const line = readFileSync(containerfile, 'utf8').match(/^\s*ENTRYPOINT\s+(\[.*\])\s*$/im)?.[1];
  if (line === undefined) throw new Error(`no ENTRYPOINT in exec form in ${containerfile}`);
  const argv: unknown = JSON.parse(line);
  const strings = Array.isArray(argv) && argv.every((a): a is string => typeof a === 'string') ? argv : [];
  if (strings.length < 2 || !/\/node$/.test(strings[0]!) || !/\/bin\/deployer$/.test(strings.at(-1)!)) {
    throw new Error(`the ENTRYPOINT of ${containerfile} is not node, its flags, then bin/deployer: ${line}`);
  }
  return strings.slice(1, -1);
}
