// Leader election on etcd by lease and transaction, in the shape of client-go's leader election:
// one key per job label, created under the candidate's lease only while it does not exist; the
// key's create revision is the term. A leader renews its lease every TTL/3 and leads only while
// a renewal proves the lease alive (its lease cannot have expired: it was renewed at `sent` for
// TTL seconds, and `now < sent + TTL - margin`). Once it cannot prove that, it steps down at once,
// before etcd can expire the lease and another replica can be elected.
// A process restarted with the same replica id takes back the record of its id at once, in a new
// term (reclaim-rule.ts): whatever the old process might still write is refused by the fence, and
// a live old process steps down as soon as its watch on the key (leadership-watch.ts) tells it.

import type { Etcd3, IKeyValue } from 'etcd3';
import { watchLeadershipKey, type KeyWatch } from './leadership-watch.js';
import { keyOfPath } from './paths.js';
import { judgeHolder } from './reclaim-rule.js';

export interface LeaderElectionOptions {
  readonly client: Etcd3;
  /** ska-sdp-config's global prefix ('' or `/name`): the key lives below it, beside the deployments. */
  readonly prefix: string;
  /** The job label: replicas of one release and namespace elect one leader. */
  readonly label: string;
  readonly replicaId: string;
  readonly ttlSeconds: number;
  /** A leader steps down this long before its lease could expire. Default max(1 s, TTL/5). */
  readonly marginMs?: number;
  /** How often a follower looks at the key. Default min(500 ms, TTL/4). */
  readonly retryPeriodMs?: number;
  /** Bound on each etcd call. Default 5 s (a leader's renewal: never beyond its proof). */
  readonly timeoutMs?: number;
  /** A monotonic clock, ms. Default performance.now. */
  readonly now?: () => number;
  readonly onStartedLeading: (term: number) => void;
  readonly onStoppedLeading: (term: number, reason: string) => void;
  /** The holder of the key as last read (undefined: none), when it changes. */
  readonly onLeaderObserved?: (leader: Leader | undefined) => void;
  /** A round that could not reach etcd; the election goes on. */
  readonly onRoundFailed?: (leading: boolean, error: Error) => void;
  /** A round that reached etcd. */
  readonly onContact?: () => void;
  /** The record of an earlier process of this replica id (or a term this process left) was deleted, to campaign at once. */
  readonly onReclaimed?: (previous: Leader) => void;
  /** Another process that started after this one leads with this replica id (once per term seen). */
  readonly onDuplicateId?: (leader: Leader) => void;
}

export interface Leader {
  readonly replicaId: string;
  readonly term: number;
}

/** What a fenced write must compare: the key still exists with the create revision of our term. */
export interface Fence {
  /** The leadership key. */
  readonly key: string;
  /** Its create revision when this term began. */
  readonly createRevision: number;
}

export interface LeaderElection {
  /** True only while leading with the lease proven alive; steps down (synchronously) once it is not. */
  isLeading(): boolean;
  /** The fence of the current term, while isLeading(). */
  fence(): Fence | undefined;
  /**
   * A fenced write of `term` found another term (or none): step down, if that is the term led now.
   * A late write of a term this process already left must not end the term it leads since.
   */
  fencedOut(reason: string, term?: number): void;
  /** The leader as last read or won. */
  leader(): Leader | undefined;
  /** Stops campaigning; a leader steps down and revokes its lease (the key goes at once). */
  resign(): Promise<void>;
}

const RENEW_RETRY_MS = 100;

export function leadershipKey(prefix: string, label: string): string {
  return keyOfPath(`${prefix}/slurm-deployer/leader/${label}`);
}

export function startLeaderElection(options: LeaderElectionOptions): LeaderElection {
  const { client, replicaId, ttlSeconds } = options;
  const ttlMs = ttlSeconds * 1000;
  const marginMs = options.marginMs ?? Math.max(1000, ttlMs / 5);
  const retryPeriodMs = options.retryPeriodMs ?? Math.min(500, ttlMs / 4);
  const renewEveryMs = ttlMs / 3;
  const timeoutMs = options.timeoutMs ?? 5000;
  const now = options.now ?? (() => performance.now());
  const key = leadershipKey(options.prefix, options.label);

  let leading: { term: number; leaseId: string; provenUntil: number; watch: KeyWatch } | undefined;
  let observed: Leader | undefined;
  let stopped = false;
  // Until a round completes, any record of our id is an earlier process's (reclaim-rule.ts).
  let starting = true;
  let lastLedTerm: number | undefined;
  let duplicateTold: number | undefined;
  let roundTimer: NodeJS.Timeout | undefined;
  let proofTimer: NodeJS.Timeout | undefined;

  const proven = (): boolean => leading !== undefined && now() < leading.provenUntil - marginMs;

  const observe = (leader: Leader | undefined): void => {
    if (leader?.replicaId === observed?.replicaId && leader?.term === observed?.term) return;
    observed = leader;
    options.onLeaderObserved?.(leader);
  };

  const stepDown = (reason: string): void => {
    if (leading === undefined) return;
    const { term, leaseId, watch } = leading;
    leading = undefined;
    lastLedTerm = term;
    watch.cancel();
    clearTimeout(proofTimer);
    options.onStoppedLeading(term, reason);
    // The key is ours only while our lease lives: revoking it frees the key for the next leader.
    void bounded(client.leaseClient.leaseRevoke({ ID: leaseId }), timeoutMs, 'revoke').catch(() => undefined);
  };

  const armProofTimer = (): void => {
    clearTimeout(proofTimer);
    if (leading === undefined) return;
    proofTimer = setTimeout(() => {
      if (!proven()) stepDown('lease not proven alive: no renewal answered in time');
    }, Math.max(0, leading.provenUntil - marginMs - now()));
  };

  const renew = async (): Promise<void> => {
    const current = leading;
    if (current === undefined) return;
    const sent = now();
    // A request forwarded to a member that died hangs until etcd gives up on it (7 s): abandoned
    // after one renewal period, it is sent again (after RENEW_RETRY_MS) while the proof lasts.
    const within = Math.max(1, Math.min(timeoutMs, renewEveryMs, current.provenUntil - marginMs - sent));
    const [ttl, holder] = await Promise.all([keepAliveOnce(client, current.leaseId, within), bounded(readHolder(client, key), within, 'read leader')]);
    if (leading !== current) return;
    if (ttl <= 0) return stepDown('lease expired');
    if (holder?.term !== current.term) return stepDown(keyLost(holder));
    current.provenUntil = sent + ttl * 1000;
    armProofTimer();
  };

  const keyLost = (holder: Leader | undefined): string => {
    if (holder === undefined) return 'leadership key gone';
    const same = holder.replicaId === replicaId ? ': another process of this replica id took it back (this replica restarted, or two share its id)' : '';
    return `leadership key taken by ${holder.replicaId} (term ${holder.term})${same}`;
  };

  const campaign = async (): Promise<void> => {
    const held = await bounded(readHeld(client, key), timeoutMs, 'read leader');
    if (held !== undefined) {
      const verdict = judgeHolder(held, { replicaId, starting, ...(lastLedTerm === undefined ? {} : { lastLedTerm }) });
      if (verdict === 'duplicate id' && duplicateTold !== held.term) {
        duplicateTold = held.term;
        options.onDuplicateId?.({ replicaId: held.replicaId, term: held.term });
      }
      if (verdict !== 'reclaim' || stopped || !(await reclaim(held))) return observe({ replicaId: held.replicaId, term: held.term });
    }
    const sent = now();
    const grant = await bounded(client.leaseClient.leaseGrant({ TTL: ttlSeconds }), timeoutMs, 'lease grant');
    const result = await bounded(
      client.if(key, 'Create', '==', 0).then(client.put(key).value(replicaId).lease(grant.ID)).else(client.get(key)).commit(),
      timeoutMs,
      'campaign',
    ).catch((error: unknown) => {
      void bounded(client.leaseClient.leaseRevoke({ ID: grant.ID }), timeoutMs, 'revoke').catch(() => undefined);
      throw error;
    });
    if (!result.succeeded || stopped) {
      void bounded(client.leaseClient.leaseRevoke({ ID: grant.ID }), timeoutMs, 'revoke').catch(() => undefined);
      return observe(holderOf(result.responses[0]?.response_range?.kvs[0]));
    }
    const term = Number(result.header.revision);
    const watch = watchLeadershipKey(client, key, term, (kv) => {
      if (leading?.term === term) stepDown(keyLost(holderOf(kv)));
    });
    leading = { term, leaseId: grant.ID, provenUntil: sent + Number(grant.TTL) * 1000, watch };
    observe({ replicaId, term });
    if (!proven()) return stepDown('lease granted too late to lead');
    armProofTimer();
    options.onStartedLeading(term);
  };

  // Deletes the record only if it still holds that term: a newer one (another replica's) is kept.
  const reclaim = async (held: Held): Promise<boolean> => {
    const result = await bounded(
      client.if(key, 'Create', '==', held.term).and(key, 'Value', '==', replicaId).then(client.delete().key(key)).commit(),
      timeoutMs,
      'reclaim',
    );
    if (!result.succeeded) return false;
    // Its lease served that key alone; revoked, a live old process learns at its next renewal too.
    if (held.lease !== '0') void bounded(client.leaseClient.leaseRevoke({ ID: held.lease }), timeoutMs, 'revoke').catch(() => undefined);
    options.onReclaimed?.({ replicaId: held.replicaId, term: held.term });
    return true;
  };

  const round = async (): Promise<void> => {
    if (stopped) return;
    const wasLeading = leading !== undefined;
    let failed = false;
    try {
      await (wasLeading ? renew() : campaign());
      starting = false;
      options.onContact?.();
    } catch (error) {
      failed = true;
      options.onRoundFailed?.(wasLeading, error instanceof Error ? error : new Error(String(error)));
    }
    // A leader whose renewal failed (a member lost, etcd electing) tries again soon, while its proof lasts.
    const next = leading === undefined ? retryPeriodMs : failed ? Math.min(renewEveryMs, RENEW_RETRY_MS) : renewEveryMs;
    if (!stopped) roundTimer = setTimeout(() => void round(), next);
  };
  void round();

  const isLeading = (): boolean => {
    if (leading !== undefined && !proven()) stepDown('lease not proven alive');
    return leading !== undefined;
  };

  return {
    isLeading,
    fence: () => (isLeading() && leading !== undefined ? { key, createRevision: leading.term } : undefined),
    fencedOut(reason, term) {
      if (term !== undefined && leading?.term !== term) return;
      stepDown(`fenced out: ${reason}`);
    },
    leader: () => observed,
    async resign() {
      stopped = true;
      clearTimeout(roundTimer);
      const leaseId = leading?.leaseId;
      if (leading !== undefined) {
        const { term } = leading;
        leading.watch.cancel();
        leading = undefined;
        clearTimeout(proofTimer);
        options.onStoppedLeading(term, 'resigned');
      }
      if (leaseId !== undefined) await bounded(client.leaseClient.leaseRevoke({ ID: leaseId }), timeoutMs, 'revoke').catch(() => undefined);
    },
  };
}

/** The holder of the leadership key, read straight from etcd (for `status`). */
export async function readLeader(client: Etcd3, prefix: string, label: string, timeoutMs = 5000): Promise<Leader | undefined> {
  return bounded(readHolder(client, leadershipKey(prefix, label)), timeoutMs, 'read leader');
}

async function readHolder(client: Etcd3, key: string): Promise<Leader | undefined> {
  const response = await client.kv.range({ key: Buffer.from(key) });
  return holderOf(response.kvs[0]);
}

/** The holder and the lease its key lives under ('0': none). */
type Held = Leader & { readonly lease: string };

async function readHeld(client: Etcd3, key: string): Promise<Held | undefined> {
  const kv = (await client.kv.range({ key: Buffer.from(key) })).kvs[0];
  const holder = holderOf(kv);
  return holder === undefined || kv === undefined ? undefined : { ...holder, lease: String(kv.lease) };
}

function holderOf(kv: IKeyValue | undefined): Leader | undefined {
  return kv === undefined ? undefined : { replicaId: kv.value.toString('utf8'), term: Number(kv.create_revision) };
}

/** One keep-alive on a stream of its own: the TTL etcd grants from now (0: the lease is gone). */
async function keepAliveOnce(client: Etcd3, leaseId: string, ms: number): Promise<number> {
  const stream = await bounded(client.leaseClient.leaseKeepAlive(), ms, 'lease renewal');
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<number>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`etcd lease renewal timed out after ${Math.round(ms)} ms`)), ms);
      stream.on('data', (response: { TTL: string }) => resolve(Number(response.TTL)));
      stream.on('error', reject);
      stream.write({ ID: leaseId });
    });
  } finally {
    clearTimeout(timer);
    stream.end();
  }
}

async function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`etcd ${what} timed out after ${Math.round(ms)} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
