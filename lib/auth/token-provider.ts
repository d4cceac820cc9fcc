// Where the credentials for slurmrestd come from: a user name and a token that may change.
// A TokenSource obtains tokens (a static JWT, a JWT file, Azure Entra); the token stream in
// streams/clients/token-refresh.ts decides when to ask it; streams/clients/slurm-token-keeper.ts is the
// TokenProvider every request reads.

import type { Failure } from '../core/failure.js';
import type { Secret } from '../base/secret.js';

/** What every request to slurmrestd carries: the Slurm user and its token. */
export interface SlurmCredentials {
  /** Sent as X-SLURM-USER-NAME. */
  readonly userName: string;
  /** Sent as X-SLURM-USER-TOKEN. */
  readonly token: Secret;
}

/** Where a Slurm client gets its credentials, before every request (a token may change: staticJwtProvider gives a fixed one). */
export interface TokenProvider {
  /** Rejects with a NoSlurmTokenError when no usable token is to be had. */
  credentials(): Promise<SlurmCredentials>;
}

/** A token as a source gave it, with what is known of its lifetime (milliseconds since the epoch). */
export interface IssuedToken {
  readonly token: Secret;
  /** When it was issued (a JWT's `iat`, or when it was asked for); unknown: when it was obtained. */
  readonly issuedAt?: number;
  /** When Slurm stops accepting it (a JWT's `exp`, Entra's `expires_in`); unknown: never planned for. */
  readonly expiresAt?: number;
}

export type AuthMethod = 'jwt' | 'entra';

/** Obtains a token each time it is asked: at start, when a refresh is due, when Slurm rejected one. */
export interface TokenSource {
  readonly method: AuthMethod;
  /** The Slurm user name sent with every token. */
  readonly userName: string;
  /** Rejects with a TokenSourceError, whose message never holds a secret. */
  obtain(): Promise<IssuedToken>;
}

/** A token could not be obtained. Always kind `auth`: it is a credentials problem for the deployer. */
export class TokenSourceError extends Error {
  override readonly name = 'TokenSourceError';
  readonly failure: Failure;

  constructor(message: string) {
    super(message);
    this.failure = { kind: 'auth', message };
  }
}

/**
 * A request found no usable token: kind auth, with why. slurm-http passes `failure` on as is
 * (as it does a TokenSourceError's), never wrapped in a message of its own.
 */
export class NoSlurmTokenError extends Error {
  override readonly name = 'NoSlurmTokenError';

  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

/** The same token? Compared by value: a source may hand out equal tokens as new objects. */
export function sameToken(a: Secret, b: Secret): boolean {
  return a === b || a.reveal() === b.reveal();
}
