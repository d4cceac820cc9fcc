// Deep equality for TestScheduler frames, with errors reduced to { name, message } so that
// specs never depend on stack traces (as rxjs's own spec helper does).

import { expect } from 'chai';

export function observableMatcher(actual: unknown, expected: unknown): void {
  expect(withPlainErrors(actual)).to.deep.equal(withPlainErrors(expected));
}

function withPlainErrors(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.map(withPlainErrors);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withPlainErrors(v)]));
  }
  return value;
}
