// The Slurm token's events written to the log, one line each as lib/auth/token-log-line.ts says;
// with a watch of the token source, failures to get a token are an outage of that source, said
// once and then with backoff (streams/ops/outage-log.ts), each attempt at DEBUG.

import type { TokenEvent } from '../../lib/auth/token-events.js';
import { tokenLogLine, type TokenLogMethod } from '../../lib/auth/token-log-line.js';
import type { Logger } from './log.js';
import type { DependencyWatch } from './outage-log.js';
import { tokenSourceTrouble } from '../../lib/slurm/slurm-trouble.js';

export interface TokenSourceWatch {
  readonly watch: DependencyWatch;
  /** The token server's URL or the token file, for the sentence. */
  readonly where?: string;
}

/**
 * INFO for each new token, WARNING (kind auth) for failures and for a token not replaced in time.
 * `refusalsTold`: Slurm refusing the token is told by Slurm's outage (streams/ops/slurm-outage.ts),
 * once and then with backoff: each refusal here is DEBUG.
 */
export function logTokenEvent(log: Logger, method: TokenLogMethod, event: TokenEvent, now = Date.now(), source?: TokenSourceWatch, refusalsTold = false): void {
  const line = tokenLogLine(method, event, now);
  const refusal = event.type === 'refreshDeferred' || (event.type === 'tokenObtained' && event.reason === 'rejected' && line.level === 'warning');
  if (refusalsTold && refusal) {
    log.debug(line.message, line.fields);
    return;
  }
  if (source !== undefined && event.type === 'tokenFailed') {
    source.watch.failed(tokenSourceTrouble(event.failure, method, source.where));
    log.debug(line.message, line.fields);
    return;
  }
  if (source !== undefined && event.type === 'tokenObtained') source.watch.answered();
  log[line.level](line.message, line.fields);
}

/** What the token source is called in the log lines of its outages. */
export function tokenSourceName(method: TokenLogMethod): string {
  return method === 'entra' ? 'the token server' : method === 'jwt-file' ? 'the token file' : 'the token';
}
