// An object without its undefined fields: the one way an optional field is left out, so that a
// field absent and a field set to undefined never differ (in JSON, in deep equality, in `in`).

/** The keys whose type admits undefined become optional and lose undefined; the others stay as they are. */
export type DefinedOnly<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/**
 * A copy of `value`'s own enumerable fields, those whose value is undefined left out:
 * `{ url, ...definedOnly({ ca, timeoutMs }) }`: one call for a conditional spread per field.
 */
export function definedOnly<T extends object>(value: T): DefinedOnly<T> {
  const kept: Record<string, unknown> = {};
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const field = value[key];
    if (field !== undefined) kept[key] = field;
  }
  return kept as DefinedOnly<T>;
}
