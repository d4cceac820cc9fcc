// The replica that leads now, read once from the Config DB's etcd on a client of its own (for
// `status`); an in-memory Config DB has no election to read.

import { Etcd3 } from 'etcd3';
import type { ConfigDbConfig } from '../config/deployer-config.js';
import { clientOptions } from './etcd-config-db.js';
import { safeMessage } from './etcd-watch.js';
import { readLeader, type Leader } from './leader-election.js';
import { etcdOptionsOf } from './open-config-db.js';

/** The leader (undefined: none), or why it could not be read (the etcd password never in it). */
export type LeaderReading = { readonly leader: Leader | undefined } | { readonly unreadable: string };

const TIMEOUT_MS = 5000;

/** The leader of the replicas labelled `label`; undefined without etcd. */
export async function readCurrentLeader(config: ConfigDbConfig, label: string): Promise<LeaderReading | undefined> {
  if (config.backend !== 'etcd3') return undefined;
  const client = new Etcd3(clientOptions(etcdOptionsOf(config), TIMEOUT_MS));
  try {
    return { leader: await readLeader(client, config.prefix ?? '', label) };
  } catch (error) {
    return { unreadable: safeMessage(error, config.password) };
  } finally {
    client.close();
  }
}
