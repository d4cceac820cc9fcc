// A world as plain JSON and back, exactly (every map as its entries in key order): for journals
// of worlds, property runs that pass the world through JSON, and debugging.

import { frozenSortedMap, type Compare, type SortedMap } from './sorted-map.js';
import { WORLD_MAP_ORDER, type World, type WorldMapName } from './world.js';

const MAPS = Object.keys(WORLD_MAP_ORDER) as WorldMapName[];

type Entries<T> = T extends SortedMap<infer K, infer V> ? [K, V][] : never;
export type WorldJson = Omit<World, WorldMapName> & { readonly [K in WorldMapName]: Entries<World[K]> };

export function worldToJson(world: World): WorldJson {
  const maps = Object.fromEntries(MAPS.map((name) => [name, [...(world[name] as SortedMap<unknown, unknown>).entries()]]));
  return { ...world, ...maps } as unknown as WorldJson;
}

export function worldFromJson(json: WorldJson): World {
  const maps = Object.fromEntries(
    MAPS.map((name) => [name, frozenSortedMap(WORLD_MAP_ORDER[name] as Compare<unknown>, json[name] as [unknown, unknown][])]),
  );
  return { ...json, ...maps } as unknown as World;
}
