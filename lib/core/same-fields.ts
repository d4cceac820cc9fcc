// Equality of two records field by field, for the fields that decide whether a change is news.

/** Whether `a` and `b` hold the same (===) value in each of `fields`. */
export function sameFields<T extends object>(a: T, b: T, fields: readonly (keyof T)[]): boolean {
  for (const field of fields) if (a[field] !== b[field]) return false;
  return true;
}
