// What each event of the Slurm token's life is worth in the log: INFO for each new token, WARNING
// (kind auth) for failures and for a token not replaced in time, with what to do about it. Pure:
// the line is data, streams/ops/token-log.ts writes it. Fields hold times, counts and the failure's
// message (already free of secrets), never a token.

import type { TokenEvent } from './token-events.js';
import type { AuthMethod } from './token-provider.js';

/** The configured method: a JWT file is refreshed by the operator, not by the deployer. */
export type TokenLogMethod = AuthMethod | 'jwt-file';

export interface TokenLogLine {
  readonly level: 'info' | 'warning';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

const FIRST: Readonly<Record<TokenLogMethod, string>> = {
  jwt: 'Slurm token taken from SDP_SLURMDEPLOY_SLURM_JWT',
  'jwt-file': 'Slurm token read from SDP_SLURMDEPLOY_SLURM_JWT_FILE',
  entra: 'Slurm token issued by the token server',
};
const NEXT: Readonly<Record<TokenLogMethod, string>> = {
  jwt: 'Slurm token taken again from SDP_SLURMDEPLOY_SLURM_JWT',
  'jwt-file': 'new Slurm token read from SDP_SLURMDEPLOY_SLURM_JWT_FILE',
  entra: 'new Slurm token issued by the token server',
};

export function tokenLogLine(method: TokenLogMethod, event: TokenEvent, now: number): TokenLogLine {
  const seconds = (at: number | undefined) => (at === undefined ? undefined : Math.round((at - now) / 100) / 10);
  switch (event.type) {
    case 'tokenObtained': {
      const fields = {
        method,
        reason: event.reason,
        ...(event.token.expiresAt === undefined ? {} : { expiresInSeconds: seconds(event.token.expiresAt) }),
        ...(event.refreshAt === undefined ? {} : { refreshInSeconds: seconds(event.refreshAt) }),
      };
      // Reading or being issued a token proves nothing: Slurm has not checked it yet (the first
      // poll that succeeds with it says `Slurm accepted the token`).
      if (event.changed && !event.stale) {
        return { level: 'info', message: `${event.reason === 'start' ? FIRST[method] : NEXT[method]}; Slurm has not checked it yet`, fields };
      }
      const expired = event.token.expiresAt !== undefined && event.token.expiresAt <= now;
      const message = expired
        ? 'Slurm token has expired and no newer one is available'
        : event.stale
          ? 'Slurm token expires soon and no newer one is available'
          : 'Slurm rejected the token and no other one is available';
      return {
        level: 'warning',
        message,
        fields: {
          ...fields,
          kind: 'auth',
          replace: method === 'jwt-file' ? 'write a new token to SDP_SLURMDEPLOY_SLURM_JWT_FILE' : method === 'jwt' ? 'restart with a new SDP_SLURMDEPLOY_SLURM_JWT' : 'the token server',
        },
      };
    }
    case 'tokenFailed':
      return {
        level: 'warning',
        message: 'Slurm token refresh failed',
        fields: {
          method,
          reason: event.reason,
          kind: event.failure.kind,
          error: event.failure.message,
          attempt: event.attempt,
          retryInSeconds: seconds(event.retryAt),
        },
      };
    case 'refreshDeferred':
      return {
        level: 'warning',
        message: 'Slurm rejected the refreshed token too; asking again after a backoff',
        fields: { method, kind: 'auth', attempt: event.attempt, retryInSeconds: seconds(event.retryAt) },
      };
  }
}
