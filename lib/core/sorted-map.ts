// The persistent sorted map the world is made of: sorted-btree's B+ tree, cloned in O(1) and
// copied on write, so that a step that changes one entry of 100,000 copies a few nodes only.

import sortedBtree from 'sorted-btree';

/** sorted-btree is CommonJS: its class is the module's `default` export. */
export const SortedMap = sortedBtree.default;
export type SortedMap<K, V> = InstanceType<typeof sortedBtree.default<K, V>>;

/** An empty map that throws on any change: worlds handed out are never changed in place. */
export function emptySortedMap<K, V>(): SortedMap<K, V> {
  const map = new SortedMap<K, V>();
  map.freeze();
  return map;
}
