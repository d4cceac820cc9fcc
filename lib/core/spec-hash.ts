// A short, stable name for a deployment's args: 64-bit FNV-1a of their canonical JSON. Jobs carry
// it in their identity, so that after a crash the deployer tells a job of the current spec from
// one of an earlier spec, whatever revision asked for it.

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

export function specHash(canonicalArgs: string): string {
  let h = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(canonicalArgs)) {
    h ^= BigInt(byte);
    h = (h * FNV_PRIME) & MASK;
  }
  return h.toString(16).padStart(16, '0');
}
