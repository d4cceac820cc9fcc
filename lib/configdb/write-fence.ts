// Fencing of a leader's Config DB writes (issue 14): a fenced write's transaction also compares
// the leadership key's create revision with the term it writes for.

import type { Etcd3, ICompare, IRequestOp, ITxnResponse } from 'etcd3';
import type { Fence } from './leader-election.js';

/** Fencing of a replica's writes by its leadership (see leader-election.ts). */
export interface WriteFence {
  /** The term that must still hold; undefined: not leading, so nothing may be written. */
  current(): Fence | undefined;
  /** A write under the fence of `term` found that term gone. */
  fencedOut(reason: string, term: number): void;
}

// A fenced write's transaction adds fenceCompares to its compares and fenceReads to its failure
// branch; checkFence tells a fenced-out failure from the write's own.

type FenceCompare = [key: string, target: 'Create', comparison: '==', value: number];

/** The fence a write must carry; throws, writing nothing, when the replica does not lead. */
export function fenceOf(fence: WriteFence | undefined, what: string): Fence | undefined {
  if (fence === undefined) return undefined;
  const current = fence.current();
  if (current === undefined) throw new Error(`etcd ${what}: not written: this replica is not the leader`);
  return current;
}

export function fenceCompares(fence: Fence | undefined): FenceCompare[] {
  return fence === undefined ? [] : [[fence.key, 'Create', '==', fence.createRevision]];
}

export function fenceReads(client: Etcd3, fence: Fence | undefined): ReturnType<Etcd3['get']>[] {
  return fence === undefined ? [] : [client.get(fence.key)];
}

/** The same, for a transaction built as a request (etcd3's kv.txn). */
export function rawFenceCompares(fence: Fence | undefined): ICompare[] {
  return fence === undefined ? [] : [{ key: Buffer.from(fence.key), target: 'Create', result: 'Equal', create_revision: String(fence.createRevision) }];
}

export function rawFenceReads(fence: Fence | undefined): IRequestOp[] {
  return fence === undefined ? [] : [{ request_range: { key: Buffer.from(fence.key) } }];
}

/** Throws (and tells the fence) when the failed transaction's leadership key is not of our term. */
export function checkFence(fence: WriteFence | undefined, current: Fence | undefined, response: ITxnResponse, what: string): void {
  if (fence === undefined || current === undefined) return;
  const holder = response.responses[0]?.response_range?.kvs[0];
  if (holder !== undefined && Number(holder.create_revision) === current.createRevision) return;
  const reason = holder === undefined ? 'no leader' : `term ${String(holder.create_revision)} of ${holder.value.toString('utf8')}`;
  fence.fencedOut(`${what}: ${reason}`, current.createRevision);
  throw new Error(`etcd ${what}: fenced out: the leadership of term ${current.createRevision} is gone (${reason})`);
}
