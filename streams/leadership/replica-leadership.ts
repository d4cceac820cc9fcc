// The replica's leadership: an election on the Config DB's etcd (on a client of its own), or,
// with the in-memory Config DB, a replica that simply leads. Built before the clients, which it
// fences (Config DB writes) and gates (Slurm requests), and started once they are open. And the
// replica's role for health (leader, follower in contact with etcd, cut off).

import { Etcd3 } from 'etcd3';
import { BehaviorSubject, type Observable } from 'rxjs';
import type { DeployerConfig } from '../../lib/config/deployer-config.js';
import { clientOptions } from '../../lib/configdb/etcd-config-db.js';
import { safeMessage } from '../../lib/configdb/etcd-watch.js';
import type { WriteFence } from '../../lib/configdb/write-fence.js';
import type { Leader } from '../../lib/configdb/leader-election.js';
import { etcdOptionsOf } from '../../lib/configdb/open-config-db.js';
import { writePollMark } from '../../lib/configdb/poll-mark.js';
import { campaign, type Leadership } from './leadership.js';
import type { Logger } from '../ops/log.js';
import { describeConfigDbError } from '../../lib/configdb/config-db-trouble.js';
import { watchDependency } from '../ops/outage-log.js';

export interface ReplicaLeadership {
  readonly replicaId: string;
  readonly changes: Observable<Leadership>;
  /** Fences the Config DB's writes by the term led (on etcd); none for the sole leader of an in-memory Config DB. */
  readonly fence?: WriteFence;
  /**
   * Campaigns (on etcd) or leads at once (in memory); once, when the clients are open: a replica
   * still waiting for slurmrestd does not lead. Until then it does not act and its fence refuses.
   */
  start(): void;
  /** Leading, the lease proven alive (steps down when not). */
  canAct(): boolean;
  /** The leader as last seen. */
  leader(): Leader | undefined;
  /** Date.now() of the last election round that reached etcd. */
  lastContactAt(): number | undefined;
  resign(): Promise<void>;
  /** A Slurm poll was answered at `at` (ms): published for `status` (lib/configdb/poll-mark.ts), at most every few seconds. */
  publishPoll(at: number): void;
}

/** How often, at most, the leader writes when it last polled Slurm. */
const POLL_MARK_EVERY_MS = 5000;

/** One process owns an in-memory Config DB: nothing to elect. On etcd, replicas elect a leader. */
export function replicaLeadership(config: DeployerConfig, replicaId: string, log: Logger): ReplicaLeadership {
  return config.configDb.backend === 'memory' ? soleLeadership(replicaId, log) : electedLeadership(config, replicaId, log);
}

/** The sole replica of an in-memory Config DB: from start, it leads term 1 until it ends. */
export function soleLeadership(replicaId: string, log: Logger): ReplicaLeadership {
  const changes = new BehaviorSubject<Leadership>({ leader: false, replicaId });
  let started = false;
  return {
    replicaId,
    changes: changes.asObservable(),
    start: () => {
      if (started) return;
      started = true;
      log.info('became leader', { replica: replicaId, term: 1 });
      changes.next({ leader: true, term: 1, replicaId });
    },
    canAct: () => started,
    leader: () => (started ? { replicaId, term: 1 } : undefined),
    lastContactAt: () => Date.now(),
    resign: async () => undefined,
    publishPoll: () => undefined,
  };
}

/** An election on the Config DB's etcd, on a client of its own made when it starts (its settings were checked by then). */
export function electedLeadership(config: DeployerConfig, replicaId: string, log: Logger): ReplicaLeadership {
  const timeoutMs = 5000;
  let client: Etcd3 | undefined;
  let contactAt: number | undefined;
  // Rounds every half second: at the default level, etcd out of reach is said once, then with backoff.
  const etcd = watchDependency(log, 'etcd');
  const source = campaign(
    {
      prefix: config.configDb.prefix ?? '',
      label: config.job.label,
      replicaId,
      ttlSeconds: config.leaderTtlSeconds,
      timeoutMs,
      onContact: () => {
        contactAt = Date.now();
        etcd.answered();
      },
      // A restarted process of this replica id leads at once, in a new term (the old one's writes refused).
      onReclaimed: (previous) => log.info('took back the leadership record of this replica id', { replica: replicaId, previousTerm: previous.term }),
      onDuplicateId: (leader) =>
        log.warning('another process leads with this replica id: give each replica its own SDP_SLURMDEPLOY_REPLICA_ID', { replica: replicaId, term: leader.term }),
      onLeaderObserved: (leader) => log.info('leader observed', { replica: replicaId, leader: leader?.replicaId ?? null, term: leader?.term ?? null }),
      onRoundFailed: (leading, error) => {
        const message = safeMessage(error, config.configDb.password);
        const trouble = describeConfigDbError(message, config.configDb);
        etcd.failed(trouble.sentence, { error: trouble.raw });
        if (leading) log.warning('cannot renew the leadership lease', { replica: replicaId, error: message });
        else log.debug('cannot reach etcd to campaign', { replica: replicaId, error: message });
      },
    },
    log,
  );
  let markedAt = -Infinity;
  let marking = false;
  return {
    replicaId,
    changes: source.changes,
    fence: {
      current: () => source.election()?.fence(),
      fencedOut: (reason, term) => source.election()?.fencedOut(reason, term),
    },
    start: () => {
      if (client !== undefined) return;
      client = new Etcd3(clientOptions(etcdOptionsOf(config.configDb), timeoutMs));
      source.start(client);
    },
    canAct: () => source.election()?.isLeading() ?? false,
    leader: () => source.election()?.leader(),
    lastContactAt: () => contactAt,
    resign: async () => {
      await source.election()?.resign();
      client?.close();
    },
    publishPoll: (at) => {
      const election = source.election();
      const term = election?.leader()?.term;
      if (client === undefined || marking || at - markedAt < POLL_MARK_EVERY_MS || election?.isLeading() !== true || term === undefined) return;
      marking = true;
      markedAt = at;
      writePollMark(client, config.configDb.prefix ?? '', config.job.label, { at, replica: replicaId, term })
        .catch((error: unknown) => log.debug('could not publish the last poll time', { error: safeMessage(error, config.configDb.password) }))
        .finally(() => (marking = false));
    },
  };
}

/** What the replica is, for health and the liveness file. */
export type ReplicaRole = 'leader' | 'follower' | 'cut off';

/**
 * Leading, or a follower in good standing (it reaches etcd: ready to lead, healthy though it polls
 * nothing), or cut off. Election rounds reach etcd every half second: no contact for 3 s (or the
 * lease's TTL, if shorter) means etcd is out of reach.
 */
export function replicaRole(leadership: Pick<ReplicaLeadership, 'canAct' | 'lastContactAt'>, leaderTtlSeconds: number, nowMs: number): ReplicaRole {
  if (leadership.canAct()) return 'leader';
  const at = leadership.lastContactAt();
  return at !== undefined && nowMs - at <= Math.min(3, leaderTtlSeconds) * 1000 ? 'follower' : 'cut off';
}
