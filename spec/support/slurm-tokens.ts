// HS256 tokens for the local Slurm stack, signed with its jwt key (root-readable), the way
// `scontrol token` makes them: `{exp, iat, sun}`. Lets live specs present an expired token.

import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

export function mintSlurmToken(keyFile: string, userName: string, expiresAt: number, issuedAt?: number): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ exp: expiresAt, iat: issuedAt ?? Math.min(now, expiresAt) - 60, sun: userName })}`;
  const signature = createHmac('sha256', readFileSync(keyFile)).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}
