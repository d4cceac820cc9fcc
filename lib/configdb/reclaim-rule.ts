// Who may take back a leadership record that holds this replica's own id (issue 22): a process
// restarted with the same replica id does so at once, in a new term, rather than wait out the lease.

/** What a replica knows of its own past, in this process. */
export interface ReclaimContext {
  readonly replicaId: string;
  /** No election round of this process has completed yet: whatever holds our id is from before. */
  readonly starting: boolean;
  /** The term this process led last (it no longer leads when it campaigns). */
  readonly lastLedTerm?: number;
}

/**
 * `another replica`: wait for its lease, as ever. `reclaim`: the record is ours from before (an
 * earlier process of this replica id, or a term this process stepped down from whose key outlived
 * it): delete it, only if it is still that term, and campaign at once. `duplicate id`: a process
 * that started after this one holds our id: two processes share it. Not taken back, so that two
 * such processes do not take the leadership from each other for ever: the one that started last
 * leads until its lease ends.
 */
export type HolderVerdict = 'another replica' | 'reclaim' | 'duplicate id';

/** The leadership record's holder, as leader-election.ts reads it (its `Leader`). */
export interface Holder {
  readonly replicaId: string;
  readonly term: number;
}

export function judgeHolder(holder: Holder, context: ReclaimContext): HolderVerdict {
  if (holder.replicaId !== context.replicaId) return 'another replica';
  if (context.starting || holder.term === context.lastLedTerm) return 'reclaim';
  return 'duplicate id';
}
