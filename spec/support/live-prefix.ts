// The Config DB prefix (SDP_CONFIG_PREFIX) of this test process's live specs. The local stack's
// etcd is a developer's too: a live spec writes, and its deployers and CLI runs touch, only keys
// below a prefix of its own, and clean-up deletes only below it.

import { randomBytes } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import { checkGlobalPrefix } from '../../lib/configdb/paths.js';

/** This process's prefix: unique per run, so two runs (or a developer's keys) never meet. */
export const LIVE_PREFIX = `/spec-${process.pid}-${randomBytes(3).toString('hex')}`;

/** A prefix of its own for one spec file (or one of its runs), below the process's. */
export function livePrefix(name: string): string {
  return checkGlobalPrefix(`${LIVE_PREFIX}/${name}`);
}

/**
 * Deletes every key below `prefix` and nothing else. A key's first segment is the depth of its
 * path, so one range per depth: `<depth><prefix>/`, for the depths the key layout uses below a
 * prefix (deployments 2, states and marks 3, job registries 4) and a margin.
 */
export async function removeBelow(etcd: Etcd3, prefix: string): Promise<void> {
  if (checkGlobalPrefix(prefix) === '') throw new Error('removeBelow needs a prefix: without one it would empty the whole Config DB');
  const depth = [...prefix].filter((c) => c === '/').length;
  await Promise.all(Array.from({ length: 8 }, (_, i) => etcd.delete().prefix(`${depth + 1 + i}${prefix}/`).exec()));
}
