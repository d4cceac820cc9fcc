// A world as plain JSON and back, exactly (every map as its entries in key order): for journals
// of worlds, property runs that pass the world through JSON, and debugging.

import { SortedMap, type SortedMap as SortedMapOf } from './sorted-map.js';
import type { World } from './world.js';

type TreeName = 'slots' | 'polled' | 'polledByClaim' | 'tracked' | 'strayOwners' | 'timers' | 'pollWaits';
const TREES: readonly TreeName[] = ['slots', 'polled', 'polledByClaim', 'tracked', 'strayOwners', 'timers', 'pollWaits'];

type Entries<T> = T extends SortedMapOf<infer K, infer V> ? [K, V][] : never;
export type WorldJson = Omit<World, TreeName> & { readonly [K in TreeName]: Entries<World[K]> };

export function worldToJson(world: World): WorldJson {
  const trees = Object.fromEntries(TREES.map((name) => [name, [...(world[name] as SortedMapOf<unknown, unknown>).entries()]]));
  return { ...world, ...trees } as unknown as WorldJson;
}

export function worldFromJson(json: WorldJson): World {
  const trees = Object.fromEntries(
    TREES.map((name) => {
      const tree = new SortedMap<unknown, unknown>(json[name] as [unknown, unknown][]);
      tree.freeze();
      return [name, tree];
    }),
  );
  return { ...json, ...trees } as unknown as World;
}
