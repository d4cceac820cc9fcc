// When the leader last polled Slurm, kept beside its leadership key so that `status` can say how
// fresh the Config DB's states are: `/slurm-deployer/polled/<label>` (etcd key
// `3/slurm-deployer/polled/<label>`), `{"at": "<ISO 8601>", "replica": "<id>", "term": <n>}`.
// Written by the leader after a successful poll (at most every few seconds); a mark a deposed
// leader writes late is still true (it did poll then), so it is not fenced.

import { Etcd3 } from 'etcd3';
import * as t from 'io-ts';
import { isRight } from 'fp-ts/lib/Either.js';
import type { ConfigDbConfig } from '../config/deployer-config.js';
import { clientOptions } from './etcd-config-db.js';
import { safeMessage } from './etcd-watch.js';
import { etcdOptionsOf } from './open-config-db.js';
import { keyOfPath } from './paths.js';
import { withTimeout } from './with-timeout.js';

export interface PollMark {
  /** When the poll was answered (ms since the epoch). */
  readonly at: number;
  readonly replica: string;
  readonly term: number;
}

export function pollMarkKey(label: string, prefix = ''): string {
  if (label === '' || label.includes('/')) throw new Error('a job label must be one non-empty path segment');
  return keyOfPath(`${prefix}/slurm-deployer/polled/${label}`);
}

const PollMarkValue = t.type({ at: t.string, replica: t.string, term: t.number });

export function encodePollMark(mark: PollMark): string {
  return JSON.stringify({ at: new Date(mark.at).toISOString(), replica: mark.replica, term: mark.term });
}

/** The mark, or undefined for a value that is not one. */
export function decodePollMark(text: string): PollMark | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const decoded = PollMarkValue.decode(value);
  if (!isRight(decoded)) return undefined;
  const at = Date.parse(decoded.right.at);
  return Number.isFinite(at) ? { at, replica: decoded.right.replica, term: decoded.right.term } : undefined;
}

export async function writePollMark(client: Etcd3, prefix: string, label: string, mark: PollMark, timeoutMs = 3000): Promise<void> {
  await withTimeout(client.put(pollMarkKey(label, prefix)).value(encodePollMark(mark)).exec(), timeoutMs, 'write the poll mark');
}

/** The last poll's mark (undefined: none written, or not one), or why it cannot be read; undefined without etcd. */
export type PollMarkReading = { readonly mark: PollMark | undefined } | { readonly unreadable: string };

export async function readPollMark(config: ConfigDbConfig, label: string, timeoutMs = 5000): Promise<PollMarkReading | undefined> {
  if (config.backend !== 'etcd3') return undefined;
  const client = new Etcd3(clientOptions(etcdOptionsOf(config), timeoutMs));
  try {
    const text = await withTimeout(client.get(pollMarkKey(label, config.prefix ?? '')).string(), timeoutMs, 'read the poll mark');
    return { mark: text === null ? undefined : decodePollMark(text) };
  } catch (error) {
    return { unreadable: safeMessage(error, config.password) };
  } finally {
    client.close();
  }
}
