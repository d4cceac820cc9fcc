// The Slurm token's events written to the log, one line each as lib/auth/token-log-line.ts says.

import type { TokenEvent } from '../lib/auth/token-events.js';
import { tokenLogLine, type TokenLogMethod } from '../lib/auth/token-log-line.js';
import type { Logger } from './log.js';

/** INFO for each new token, WARNING (kind auth) for failures and for a token not replaced in time. */
export function logTokenEvent(log: Logger, method: TokenLogMethod, event: TokenEvent, now = Date.now()): void {
  const line = tokenLogLine(method, event, now);
  log[line.level](line.message, line.fields);
}
