// Slurm as the deployer's polls see it, for the log: polls failing is an outage of slurmrestd
// (or the token refused), said once and then with backoff (streams/ops/outage-log.ts); the first poll
// that succeeds with a new token says Slurm accepted it, since reading a token proves nothing.

import type { DeployerEvent } from '../../lib/core/events.js';
import type { Failure } from '../../lib/core/failure.js';
import type { TokenEvent } from '../../lib/auth/token-events.js';
import type { TokenLogMethod } from '../../lib/auth/token-log-line.js';
import type { DeployerOutput } from '../loop/deployer.js';
import type { Logger } from './log.js';
import { watchDependency, type DependencyWatch, type DependencyWatchOptions } from './outage-log.js';
import { slurmTrouble } from '../../lib/slurm/slurm-trouble.js';

export interface SlurmOutage {
  /** Shared with the connection at start (streams/clients/slurm-connect.ts). */
  readonly watch: DependencyWatch;
  /** Every output of the deployer: its poll answers and failures. */
  observe(output: DeployerOutput): void;
  /** Every token event: a new token is unchecked until a poll succeeds with it. */
  token(event: TokenEvent): void;
}

export function slurmOutage(log: Logger, slurmUrl: string, method: TokenLogMethod, options: DependencyWatchOptions = {}): SlurmOutage {
  const watch = watchDependency(log, 'slurmrestd', options);
  let unchecked = false;
  const polled = () => {
    watch.answered();
    if (!unchecked) return;
    unchecked = false;
    log.info('Slurm accepted the token', { method });
  };
  const failed = (failure: Failure) => {
    // A command the leadership gate held back never reached Slurm: it says nothing of Slurm.
    if (/: not sent: /.test(failure.message)) return;
    watch.failed(slurmTrouble(failure, slurmUrl, method));
  };
  const onEvent = (event: DeployerEvent) => {
    switch (event.type) {
      case 'jobsPolled':
      case 'statesPolled':
        return polled();
      case 'pollFailed':
      case 'statesPollFailed':
        return failed(event.failure);
    }
  };
  return {
    watch,
    observe: (output) => {
      if (output.type === 'step') onEvent(output.event);
    },
    token: (event) => {
      if (event.type === 'tokenObtained' && event.changed) unchecked = true;
    },
  };
}
