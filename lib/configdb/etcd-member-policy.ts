// How etcd3 treats one member of a cluster. Its default, a circuit breaker per member that opens
// after 3 consecutive failures and refuses every call for 5 s, trips on every member at once when
// a member is lost: the calls in flight during etcd's raft election fail together on the members
// still up ("leader changed", "no leader"), and then nothing reaches etcd for 5 s (state writes
// back off further, a leader cannot renew its lease). Without it, each call goes to the members
// in turn (etcd3's retries walk a shuffle of them), and a member that is down fails fast.

import type { IOptions } from 'etcd3';

type MemberPolicy = NonNullable<NonNullable<IOptions['faultHandling']>['host']>;

/** A policy that runs every call as it comes (cockatiel's noop, without depending on cockatiel). */
export const noMemberBreaker: MemberPolicy = () =>
  ({
    execute: <T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T, signal?: AbortSignal) =>
      Promise.resolve().then(() => fn({ signal: signal ?? new AbortController().signal })),
  }) as unknown as ReturnType<MemberPolicy>;
