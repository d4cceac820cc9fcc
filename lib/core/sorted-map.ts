// The persistent sorted map the world is made of: sorted-btree's B+ tree, cloned in O(1) and
// copied on write, so that a step that changes one entry of 100,000 copies a few nodes only.

import sortedBtree from 'sorted-btree';

/** sorted-btree is CommonJS: its class is the module's `default` export. */
export const SortedMap = sortedBtree.default;
export type SortedMap<K, V> = InstanceType<typeof sortedBtree.default<K, V>>;

export type Compare<K> = (a: K, b: K) => number;

export const byNumber: Compare<number> = (a, b) => a - b;
export const byString: Compare<string> = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
/** [due, id]: by due, then id. */
export const byDue: Compare<readonly [number, string]> = (a, b) => a[0] - b[0] || byString(a[1], b[1]);
/** [id, id]: by the first, then the second. */
export const byPair: Compare<readonly [string, string]> = (a, b) => byString(a[0], b[0]) || byString(a[1], b[1]);

/** A map that throws on any change: worlds handed out are never changed in place. */
export function frozenSortedMap<K, V>(compare: Compare<K>, entries: [K, V][] = []): SortedMap<K, V> {
  const map = new SortedMap<K, V>(entries, compare);
  map.freeze();
  return map;
}
