// The replica's leadership, wired from the configuration: an election on the Config DB's etcd
// (its own client), or, with the in-memory Config DB, a replica that simply leads.

import { hostname } from 'node:os';
import { Etcd3 } from 'etcd3';
import { NEVER, Observable, concat, of } from 'rxjs';
import type { DeployerConfig } from '../lib/config/deployer-config.js';
import { clientOptions } from '../lib/configdb/etcd-config-db.js';
import type { WriteFence } from '../lib/configdb/write-fence.js';
import { readLeader, type Leader } from '../lib/configdb/leader-election.js';
import { etcdOptionsOf } from '../lib/configdb/open-config-db.js';
import { campaign, type Leadership, type LeadershipSource } from '../streams/leadership.js';
import type { Logger } from '../streams/log.js';
import { messageOf } from '../lib/core/error-message.js';

export interface ReplicaLeadership {
  readonly replicaId: string;
  readonly changes: Observable<Leadership>;
  /** Leading, the lease proven alive (steps down when not). */
  canAct(): boolean;
  /** The leader as last seen. */
  leader(): Leader | undefined;
  /** Date.now() of the last election round that reached etcd. */
  lastContactAt(): number | undefined;
  resign(): Promise<void>;
}

export function replicaIdOf(config: DeployerConfig): string {
  return config.replicaId ?? `${hostname()}-${process.pid}`;
}

/** A fence bound later, to the election that starts once the clients are open. */
export function lateFence(): { fence: WriteFence; bind(leadership: LeadershipSource): void } {
  let source: LeadershipSource | undefined;
  return {
    fence: {
      current: () => source?.election.fence(),
      fencedOut: (reason) => source?.election.fencedOut(reason),
    },
    bind: (leadership) => {
      source = leadership;
    },
  };
}

export function openLeadership(config: DeployerConfig, log: Logger, bind: (source: LeadershipSource) => void): ReplicaLeadership {
  const replicaId = replicaIdOf(config);
  if (config.configDb.backend === 'memory') {
    // One process owns an in-memory Config DB: nothing to elect.
    log.info('became leader', { replica: replicaId, term: 1 });
    return {
      replicaId,
      changes: concat(of({ leader: true, term: 1, replicaId }), NEVER),
      canAct: () => true,
      leader: () => ({ replicaId, term: 1 }),
      lastContactAt: () => Date.now(),
      resign: async () => undefined,
    };
  }
  const timeoutMs = 5000;
  const client = new Etcd3(clientOptions(etcdOptionsOf(config.configDb), timeoutMs));
  let contactAt: number | undefined;
  const source = campaign(
    {
      client,
      prefix: config.configDb.prefix ?? '',
      label: config.job.label,
      replicaId,
      ttlSeconds: config.leaderTtlSeconds,
      timeoutMs,
      onContact: () => (contactAt = Date.now()),
      onLeaderObserved: (leader) => log.info('leader observed', { replica: replicaId, leader: leader?.replicaId ?? null, term: leader?.term ?? null }),
      onRoundFailed: (leading, error) => {
        const message = redacted(error.message, config);
        if (leading) log.warning('cannot renew the leadership lease', { replica: replicaId, error: message });
        else log.debug('cannot reach etcd to campaign', { replica: replicaId, error: message });
      },
    },
    log,
  );
  bind(source);
  return {
    replicaId,
    changes: source.changes,
    canAct: () => source.election.isLeading(),
    leader: () => source.election.leader(),
    lastContactAt: () => contactAt,
    resign: async () => {
      await source.election.resign();
      client.close();
    },
  };
}

/** `leader: <replica> (term <n>)`, `leader: none`, or why it cannot be read; undefined without etcd. */
export async function leaderLine(config: DeployerConfig): Promise<string | undefined> {
  if (config.configDb.backend !== 'etcd3') return undefined;
  const client = new Etcd3(clientOptions(etcdOptionsOf(config.configDb), 5000));
  try {
    const leader = await readLeader(client, config.configDb.prefix ?? '', config.job.label);
    return leader === undefined ? 'leader: none' : `leader: ${leader.replicaId} (term ${leader.term})`;
  } catch (error) {
    return `leader: unknown (${redacted(messageOf(error), config)})`;
  } finally {
    client.close();
  }
}

/** An etcd error message with the etcd password (should it ever hold it) replaced. */
function redacted(message: string, config: DeployerConfig): string {
  const secret = config.configDb.password?.reveal();
  return secret ? message.split(secret).join('[redacted]') : message;
}
