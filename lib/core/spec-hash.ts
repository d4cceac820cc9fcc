// A short, stable name for a deployment's args: 64-bit FNV-1a of their canonical JSON (UTF-8).
// Jobs carry it in their identity, so that after a crash the deployer tells a job of the current
// spec from one of an earlier spec, whatever revision asked for it. Computed on two 32-bit
// halves (the prime is 2^40 + 0x1b3), which gives the same value as 64-bit arithmetic.

const encoder = new TextEncoder();
const ASCII = /^[\x00-\x7f]*$/;

export function specHash(canonicalArgs: string): string {
  // ASCII (the usual case) is its own UTF-8: no encoding needed.
  const utf8 = ASCII.test(canonicalArgs) ? undefined : encoder.encode(canonicalArgs);
  const length = utf8 === undefined ? canonicalArgs.length : utf8.length;
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < length; i++) {
    lo = (lo ^ (utf8 === undefined ? canonicalArgs.charCodeAt(i) : (utf8[i] as number))) >>> 0;
    // h * (2^40 + 0x1b3) mod 2^64, with h = hi * 2^32 + lo.
    const loProduct = lo * 0x1b3; // < 2^41: exact in a double
    const carry = Math.floor(loProduct / 0x1_0000_0000);
    hi = (Math.imul(hi, 0x1b3) + carry + (lo << 8)) >>> 0;
    lo = loProduct >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
