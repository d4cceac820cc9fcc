// The "JWT" method: a ready token, from SDP_SLURMDEPLOY_SLURM_JWT (never changes) or from the
// file SDP_SLURMDEPLOY_SLURM_JWT_FILE (read again whenever a fresh token is wanted, so an
// operator or a sidecar can replace it without a restart). A token is only ever read to be
// sent, or to learn its lifetime from its claims.

import { readFile } from 'node:fs/promises';
import { Secret } from '../base/secret.js';
import { TokenSourceError, type IssuedToken, type SlurmCredentials, type TokenProvider, type TokenSource } from './token-provider.js';
import { definedOnly } from '../core/defined-only.js';

/** A provider that always gives the same credentials (for tools and specs; the deployer uses a token stream). */
export function staticJwtProvider(userName: string, jwt: Secret): TokenProvider {
  const credentials: SlurmCredentials = Object.freeze({ userName, token: jwt });
  return { credentials: () => Promise.resolve(credentials) };
}

/** SDP_SLURMDEPLOY_SLURM_JWT: the same token every time; its `exp` tells when it stops working. */
export function staticJwtSource(userName: string, jwt: Secret): TokenSource {
  const issued = issuedToken(jwt);
  return { method: 'jwt', userName, obtain: () => Promise.resolve(issued) };
}

/**
 * SDP_SLURMDEPLOY_SLURM_JWT_FILE: the file is read at each call. It holds the token, optionally
 * as `SLURM_JWT=<token>` (what `scontrol token` prints); surrounding blank space is ignored.
 */
export function jwtFileSource(userName: string, file: string): TokenSource {
  return {
    method: 'jwt',
    userName,
    async obtain(): Promise<IssuedToken> {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        throw new TokenSourceError(`cannot read the Slurm JWT file ${file} (SDP_SLURMDEPLOY_SLURM_JWT_FILE): ${typeof code === 'string' ? code : 'read error'}`);
      }
      const token = text.trim().replace(/^SLURM_JWT=/, '').trim();
      if (token === '') throw new TokenSourceError(`the Slurm JWT file ${file} (SDP_SLURMDEPLOY_SLURM_JWT_FILE) is empty`);
      if (/\s/.test(token)) throw new TokenSourceError(`the Slurm JWT file ${file} (SDP_SLURMDEPLOY_SLURM_JWT_FILE) holds more than one token`);
      return issuedToken(new Secret(token));
    },
  };
}

/** The token with the lifetime its claims state (`iat`, `exp`), when it is a JWT that states them. */
export function issuedToken(jwt: Secret): IssuedToken {
  const claims = jwtTimes(jwt);
  return {
    token: jwt,
    ...(claims.iat === undefined ? {} : { issuedAt: claims.iat * 1000 }),
    ...(claims.exp === undefined ? {} : { expiresAt: claims.exp * 1000 }),
  };
}

/**
 * The `exp` claim (Unix seconds) of a JWT, read without verifying the signature: only to plan
 * its refresh and warn before Slurm starts rejecting it. Undefined when absent or unparsable.
 */
export function jwtExpiry(jwt: Secret): number | undefined {
  return jwtTimes(jwt).exp;
}

/** `iat` and `exp` (Unix seconds) of a JWT's payload; never throws, so no error can carry the token. */
export function jwtTimes(jwt: Secret): { readonly iat?: number; readonly exp?: number } {
  const parts = jwt.reveal().split('.');
  if (parts.length !== 3 || parts[1] === undefined) return {};
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (typeof payload !== 'object' || payload === null) return {};
    const { iat, exp } = payload as { iat?: unknown; exp?: unknown };
    const seconds = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
    return definedOnly({ iat: seconds(iat), exp: seconds(exp) });
  } catch {
    return {};
  }
}
