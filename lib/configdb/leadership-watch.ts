// A leader's watch on its own leadership key: when the key is deleted or replaced (a process
// restarted with the same replica id took it back, or an operator deleted it), the leader steps
// down the moment etcd says so, not at its next renewal (up to TTL/3 later). Renewals stay the
// proof; this only shortens how long a leader that lost its key may still act.

import type { Etcd3, IKeyValue, Watcher } from 'etcd3';

export interface KeyWatch {
  cancel(): void;
}

/** Calls `onLost` (at most once) when the key stops holding `term`. Failures to watch are ignored. */
export function watchLeadershipKey(client: Etcd3, key: string, term: number, onLost: (holder: IKeyValue | undefined) => void): KeyWatch {
  let cancelled = false;
  let watcher: Watcher | undefined;
  const lost = (holder: IKeyValue | undefined): void => {
    if (cancelled) return;
    cancelled = true;
    onLost(holder);
    void watcher?.cancel().catch(() => undefined);
  };
  // From the revision after our term's: a change made before the watch was set up is still told.
  client
    .watch()
    .key(key)
    .startRevision(String(term + 1))
    .create()
    .then((created) => {
      watcher = created;
      created.on('error', () => undefined);
      created.on('delete', () => lost(undefined));
      created.on('put', (kv) => {
        if (Number(kv.create_revision) !== term) lost(kv);
      });
      if (cancelled) void created.cancel().catch(() => undefined);
    })
    .catch(() => undefined);
  return {
    cancel() {
      cancelled = true;
      void watcher?.cancel().catch(() => undefined);
    },
  };
}
