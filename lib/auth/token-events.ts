// The Slurm token's life as data: each token obtained, each failure to obtain one, each refresh
// put off after a rejection. streams/clients/token-refresh.ts emits them; the keeper, the token log
// lines and the tokenExpiry metric read them. Pure types: no token value is ever printed from here.

import type { Failure } from '../core/failure.js';
import type { IssuedToken } from './token-provider.js';

/** Why a token was asked for. */
export type RefreshReason = 'start' | 'due' | 'rejected' | 'retry';

export interface HeldToken extends IssuedToken {
  readonly obtainedAt: number;
}

export type TokenEvent =
  | {
      readonly type: 'tokenObtained';
      readonly reason: RefreshReason;
      readonly token: HeldToken;
      /** False when the source gave the token already held (a static token, a file not replaced). */
      readonly changed: boolean;
      /** Past its refresh point already when obtained: the source has nothing newer. */
      readonly stale: boolean;
      /** When the next token will be asked for, unless Slurm rejects this one first. */
      readonly refreshAt?: number;
    }
  | { readonly type: 'tokenFailed'; readonly reason: RefreshReason; readonly failure: Failure; readonly attempt: number; readonly retryAt: number }
  /** Slurm rejected a token that had itself replaced a rejected one: the next try waits for a backoff. */
  | { readonly type: 'refreshDeferred'; readonly attempt: number; readonly retryAt: number };
