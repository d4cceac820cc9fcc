import { expect } from 'chai';
import fc from 'fast-check';
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { backoffDelay, backoffMs } from '../../../lib/core/backoff.js';
import { describeDecodeErrors } from '../../../lib/core/decode-errors.js';
import { definedOnly } from '../../../lib/core/defined-only.js';
import { messageOf, namedMessageOf } from '../../../lib/core/error-message.js';

describe('shared helpers', () => {
  describe('backoffMs', () => {
    const settings = { baseMs: 1000, maxMs: 60_000 };

    it('doubles from the base and stops at the cap, the unit spreading it over half to all of it', () => {
      expect(backoffMs(settings, 1, 0)).to.equal(500);
      expect(backoffMs(settings, 1, 0.5)).to.equal(750);
      expect(backoffMs(settings, 3, 0)).to.equal(2000);
      expect(backoffMs(settings, 7, 0)).to.equal(30_000);
      expect(backoffMs(settings, 1000, 0.999_999)).to.be.below(60_000).and.above(59_999);
      // Attempt 0 (or less) waits like the first retry.
      expect(backoffMs(settings, 0, 0)).to.equal(500);
      expect(backoffMs(settings, -5, 0)).to.equal(500);
    });

    it('stays within min(max, base * 2^(n-1)) times 0.5..1 for every attempt and unit', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (baseMs, extra, attempt, unit) => {
          const maxMs = baseMs + extra;
          const full = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
          const delay = backoffMs({ baseMs, maxMs }, attempt, unit);
          expect(delay).to.be.at.least(full / 2);
          expect(delay).to.be.at.most(full);
          expect(Number.isFinite(delay)).to.equal(true);
        }),
      );
    });

    it('is what the reducer waits, rounded, its unit taken from the key and attempt', () => {
      const a = backoffDelay(settings, 'submit:x', 4);
      expect(a).to.equal(backoffDelay(settings, 'submit:x', 4));
      expect(Number.isInteger(a)).to.equal(true);
      expect(a).to.be.within(4000, 8000);
      const units = ['a', 'b', 'c', 'd', 'e', 'f'].map((key) => backoffDelay(settings, key, 4));
      expect(new Set(units).size).to.be.above(1);
    });
  });

  describe('definedOnly', () => {
    it('leaves out the fields that are undefined and keeps null, 0, false and empty strings', () => {
      const kept = definedOnly({ a: 1, b: undefined, c: null, d: 0, e: false, f: '' });
      expect(kept).to.deep.equal({ a: 1, c: null, d: 0, e: false, f: '' });
      expect(Object.hasOwn(kept, 'b')).to.equal(false);
      expect(Object.keys(kept)).to.deep.equal(['a', 'c', 'd', 'e', 'f']);
    });

    it('copies own fields only, and never changes its argument', () => {
      const proto = { inherited: 1 };
      const value = Object.assign(Object.create(proto) as { own?: number; gone?: number }, { own: 2, gone: undefined });
      expect(definedOnly(value)).to.deep.equal({ own: 2 });
      expect(Object.hasOwn(value, 'gone')).to.equal(true);
    });

    it('types a field that may be undefined as optional, and one that may not as required', () => {
      const maybe = (n: number): number | undefined => (n > 0 ? n : undefined);
      const out: { required: string; optional?: number } = definedOnly({ required: 'x', optional: maybe(0) });
      expect(out).to.deep.equal({ required: 'x' });
    });
  });

  describe('messageOf', () => {
    it("says an Error's message, or the text of anything else thrown", () => {
      expect(messageOf(new TypeError('bad'))).to.equal('bad');
      expect(messageOf('plain')).to.equal('plain');
      expect(messageOf(42)).to.equal('42');
      expect(messageOf(undefined)).to.equal('undefined');
      expect(messageOf({ message: 'not an Error' })).to.equal('[object Object]');
    });

    it('names the kind first when asked', () => {
      expect(namedMessageOf(new RangeError('too deep'))).to.equal('RangeError: too deep');
      expect(namedMessageOf('plain')).to.equal('plain');
    });
  });

  describe('describeDecodeErrors', () => {
    const Codec = t.exact(t.partial({ n: t.number, list: t.array(t.string), env: t.record(t.string, t.string), inner: t.type({ s: t.string }) }));
    const errorsOf = (value: unknown): t.Errors => {
      const decoded = Codec.decode(value);
      if (!isLeft(decoded)) throw new Error('expected a failure');
      return decoded.left;
    };

    it('names the path through objects, records and arrays, and never the value', () => {
      const words = { root: 'args', rootInPath: true };
      expect(describeDecodeErrors(errorsOf({ n: 'secret' }), words)).to.equal('args.n: expected number');
      expect(describeDecodeErrors(errorsOf({ list: ['a', 7] }), words)).to.equal('args.list.1: expected string');
      expect(describeDecodeErrors(errorsOf({ env: { K: 1 } }), words)).to.equal('args.env.K: expected string');
      expect(describeDecodeErrors(errorsOf({ inner: { s: false } }), words)).to.not.include('false');
    });

    it('names the root alone for a failure at the top, and at most `most` different failures', () => {
      expect(describeDecodeErrors(errorsOf(3), { root: '(body)' })).to.match(/^\(body\): expected /);
      const two = errorsOf({ n: 'x', list: [1] });
      expect(describeDecodeErrors(two, { root: '(body)' })).to.equal('n: expected number');
      expect(describeDecodeErrors(two, { root: '(body)', most: 3 })).to.equal('n: expected number; list.0: expected string');
      expect(describeDecodeErrors([], { root: 'value' })).to.equal('value: invalid');
    });

    it('says codec names in the words given, and prints keys through `key`', () => {
      const words = { root: 'v', expected: (name: string, value: unknown) => (name === 'number' ? `a number, not a ${typeof value}` : undefined), key: (k: string) => k.toUpperCase() };
      expect(describeDecodeErrors(errorsOf({ n: 's' }), words)).to.equal('N: expected a number, not a string');
      expect(describeDecodeErrors(errorsOf({ list: [1] }), words)).to.equal('LIST.0: expected string');
    });
  });
});
