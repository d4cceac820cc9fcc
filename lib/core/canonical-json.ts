// JSON with sorted object keys, so that equal values print equally (used to compare args).
// Objects whose keys are already in order (the usual case) are printed as they are.

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.some(isObject) ? value.map(sortKeys) : value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (isSorted(keys) && !keys.some((k) => isObject(record[k]))) return record;
  return Object.fromEntries(keys.sort().map((k) => [k, sortKeys(record[k])]));
}

function isObject(value: unknown): boolean {
  return value !== null && typeof value === 'object';
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if ((keys[i - 1] as string) > (keys[i] as string)) return false;
  return true;
}
