// Whether the deployer under chaos keeps to its SDP_CONFIG_PREFIX: keys a site put beside it (a
// deployment of kind slurm at the Config DB's root, another application's key) are planted before
// it starts and must come through kills, fuzz and compaction untouched, as must every key that was
// already there; and no key of the deployer's may appear outside the prefix.

import type { Etcd3 } from 'etcd3';
import { deploymentKey, stateKey } from '../../lib/configdb/paths.js';
import type { Row } from './ledger.js';

export interface Planted {
  /** Every key outside the prefixes when the run began, with its value. */
  readonly before: ReadonlyMap<string, string>;
  /** The keys planted here (removed at the end). */
  readonly planted: readonly string[];
  /** The planted deployment of kind slurm at the root. */
  readonly id: string;
  /** Path prefixes of this run's deployers (the burst's have their own): keys below them are theirs. */
  readonly ours: readonly string[];
}

export async function plantOutside(root: Etcd3, tag: string, prefix: string): Promise<Planted> {
  const id = `outside-${tag}`;
  const planted = new Map([
    [deploymentKey(id), JSON.stringify({ key: id, kind: 'slurm', args: { script: '#!/bin/bash\ntrue\n' } })],
    [`1/elsewhere-${tag}`, 'a key of another application'],
  ]);
  for (const [key, value] of planted) await root.put(key).value(value).exec();
  const before = new Map(Object.entries(await root.getAll().strings()));
  return { before, planted: [...planted.keys()], id, ours: [`${prefix}/`, '/burst-'] };
}

/** The row of the table: keys outside the prefixes changed, deleted or written. Removes the planted keys. */
export async function outsidePrefixRow(root: Etcd3, run: Planted): Promise<Row> {
  const all = await root.getAll().strings();
  const theirs = (key: string) => run.ours.some((p) => key.slice(key.indexOf('/')).startsWith(p));
  const details: string[] = [];
  for (const [key, value] of run.before) if (!theirs(key) && all[key] !== value) details.push(`${key}: ${all[key] === undefined ? 'deleted' : 'changed'}`);
  const acted = stateKey(run.id);
  for (const key of Object.keys(all)) if (!theirs(key) && !run.before.has(key) && key !== acted) details.push(`${key}: written outside the prefix`);
  if (all[acted] !== undefined) details.push(`${acted}: the deployment at the root was acted on`);
  for (const key of run.planted) await root.delete().key(key).exec();
  return { name: 'keys outside SDP_CONFIG_PREFIX touched', count: details.length, details };
}
