import { expect } from 'chai';
import fc from 'fast-check';
import { canonicalJson } from '../../../lib/core/canonical-json.js';

/** Sorted keys at every level, by rebuilding every object: the plain definition. */
function reference(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(sort(value));
}

describe('canonicalJson', () => {
  it('prints equal values equally, whatever their key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ y: 1, x: 2 }], c: 'z' } })).to.equal('{"a":{"c":"z","d":[{"x":2,"y":1}]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).to.equal(canonicalJson({ b: 2, a: 1 }));
  });

  it('agrees with sorting every object, for any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => canonicalJson(value) === reference(value)), { numRuns: 2000 });
  });
});
