// The "JWT" method: one ready token (SDP_SLURMDEPLOY_SLURM_JWT) used as is, for as long as
// Slurm accepts it. The token is only ever read to be sent, or to learn when it expires.

import type { Secret } from '../core/secret.js';
import type { SlurmCredentials, TokenProvider } from './token-provider.js';

export function staticJwtProvider(userName: string, jwt: Secret): TokenProvider {
  const credentials: SlurmCredentials = Object.freeze({ userName, token: jwt });
  return { credentials: () => Promise.resolve(credentials) };
}

/**
 * The `exp` claim (Unix seconds) of a JWT, read without verifying the signature: only to warn
 * before Slurm starts rejecting it. Undefined when absent or unparsable; never throws, so no
 * error can carry the token.
 */
export function jwtExpiry(jwt: Secret): number | undefined {
  const parts = jwt.reveal().split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (typeof payload !== 'object' || payload === null) return undefined;
    const exp = (payload as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
  } catch {
    return undefined;
  }
}
