// Connecting to slurmrestd: its REST API version negotiated (or forced), a token it rejected
// replaced and tried again at once, and, for the deployer, a slurmrestd not up yet waited for with
// backoff rather than given up on.

import { backoffMs, type BackoffSettings } from '../../lib/core/backoff.js';
import { connectSlurm } from '../../lib/slurm/rest-client.js';
import { SlurmRequestError, type SlurmApi } from '../../lib/slurm/slurm-api.js';
import { definedOnly } from '../../lib/core/defined-only.js';
import type { SlurmTlsMaterial } from '../../lib/config/slurm-tls-files.js';
import type { Logger } from '../ops/log.js';
import type { SlurmTokens } from './slurm-token-keeper.js';
import { sleepFor } from '../time/delay.js';
import type { DependencyWatch } from '../ops/outage-log.js';
import { slurmTrouble } from '../../lib/slurm/slurm-trouble.js';
import type { TokenLogMethod } from '../../lib/auth/token-log-line.js';

/** The waits between attempts to reach slurmrestd: 1 s doubling up to a minute, with jitter. */
export const CONNECT_BACKOFF: BackoffSettings = { baseMs: 1000, maxMs: 60_000 };

export interface SlurmConnectOptions {
  readonly baseUrl: string;
  /** A forced REST API version (SDP_SLURMDEPLOY_API_VERSION); else negotiated. */
  readonly version?: string | undefined;
  readonly tokens: SlurmTokens;
  /** TLS to an https slurmrestd: a CA beside the system's roots, a client certificate. */
  readonly tls?: SlurmTlsMaterial | undefined;
  /** List only the jobs with this label (the deployer's): SlurmClientBehaviour.jobLabel. */
  readonly jobLabel?: string;
  /** Keep trying while slurmrestd cannot be reached (the deployer); else fail at once (status, plan). */
  readonly waitForSlurm: boolean;
  readonly log?: Logger | undefined;
  /**
   * Slurm's outages as the log tells them (the deployer's, shared with its polls): each attempt
   * that fails is said there, once and then with backoff; without it, each is a WARNING.
   */
  readonly outage?: DependencyWatch | undefined;
  /** The configured way to tokens, for the variables a refusal names (default: the source's). */
  readonly authMethod?: TokenLogMethod;
  /** How long to wait before attempt n+1; the random unit comes from Math.random. */
  readonly backoff?: BackoffSettings;
  /** Whether this replica leads: no request but the API's discovery is written while it does not (SlurmHttpOptions.leading). */
  readonly leading?: () => boolean;
}

/**
 * The SlurmApi, once connected. Fails at once for a refusal that waiting cannot mend (permanent,
 * or any error that is not Slurm's), and for every Slurm failure when not `waitForSlurm`.
 */
export async function connectSlurmWaiting(options: SlurmConnectOptions): Promise<SlurmApi> {
  const { tokens, log } = options;
  for (let attempt = 1; ; attempt++) {
    const used = tokens.current();
    try {
      const api = await connectSlurm({ baseUrl: options.baseUrl, credentials: tokens, ...definedOnly({ version: options.version, jobLabel: options.jobLabel, tls: options.tls, leading: options.leading }) });
      options.outage?.answered();
      return api;
    } catch (error) {
      // A token Slurm rejected is replaced at once, and tried once more without waiting.
      if (error instanceof SlurmRequestError && error.failure.kind === 'auth' && used !== undefined && (await tokens.renewAfterRejection(used))) continue;
      // slurmrestd not up yet (or the token not yet accepted): the deployer waits, never dies.
      if (!(error instanceof SlurmRequestError) || !options.waitForSlurm || error.failure.kind === 'permanent') throw error;
      const delay = backoffMs(options.backoff ?? CONNECT_BACKOFF, attempt, Math.random());
      options.outage?.failed(slurmTrouble(error.failure, options.baseUrl, options.authMethod ?? tokens.method));
      log?.[options.outage === undefined ? 'warning' : 'debug']('cannot reach slurmrestd to choose the API version; trying again', {
        attempt,
        kind: error.failure.kind,
        error: error.failure.message,
        retryInSeconds: Math.round(delay / 100) / 10,
      });
      await sleepFor(delay);
    }
  }
}
