import { expect } from 'chai';
import fc from 'fast-check';
import { canonicalJson } from '../../../lib/core/canonical-json.js';
import { specHash } from '../../../lib/core/spec-hash.js';

/** 64-bit FNV-1a over UTF-8 in BigInt arithmetic: how the first version computed it, which running jobs carry. */
function reference(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

describe('specHash', () => {
  it('names the args of jobs already running as the first version did', () => {
    expect(specHash(canonicalJson({ script: '#!/bin/bash\ntrue\n' }))).to.equal('d351b00c8916d3c1');
    expect(specHash('')).to.equal('cbf29ce484222325');
  });

  it('equals 64-bit FNV-1a of the UTF-8 bytes for any text, ASCII or not', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => specHash(text) === reference(text)), { numRuns: 2000 });
    expect(specHash('{"script":"echo ⚡ é 𝄞"}')).to.equal(reference('{"script":"echo ⚡ é 𝄞"}'));
  });
});
