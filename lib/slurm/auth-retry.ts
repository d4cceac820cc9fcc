// The one place a request rejected for its token is tried again: once, with a fresh token,
// around any SlurmApi. Safe for a submit too: a submit Slurm rejected for auth was not accepted
// (slurmctld checks the token before it looks at the job).

import type { Secret } from '../base/secret.js';
import type { Failure } from '../core/failure.js';
import { aroundEachRequest } from './each-request.js';
import type { SlurmOperation } from './failure-classification.js';
import { SlurmRequestError, type SlurmApi } from './slurm-api.js';

/** What the wrapper needs of the token keeper (streams/clients/slurm-token-keeper.ts). */
export interface TokenRenewal {
  /** The token requests are sent with now. */
  current(): Secret | undefined;
  /** Slurm rejected `token`: resolves true when another token is in use now. */
  renewAfterRejection(token: Secret): Promise<boolean>;
}

/** Told of every retry, for a log line. */
export type OnTokenRetry = (operation: SlurmOperation, failure: Failure) => void;

export function retryOnceWithFreshToken(api: SlurmApi, tokens: TokenRenewal, onRetry?: OnTokenRetry): SlurmApi {
  return aroundEachRequest(api, async (operation, call) => {
    const used = tokens.current();
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof SlurmRequestError) || error.failure.kind !== 'auth' || used === undefined) throw error;
      if (!(await tokens.renewAfterRejection(used))) throw error;
      onRetry?.(operation, error.failure);
      return call();
    }
  });
}
