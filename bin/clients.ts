// The clients every command needs, built from the configuration: Slurm (its REST API version
// negotiated, or forced; its token kept fresh, a request rejected for its token retried once)
// and the Config DB.

import type { DeployerConfig } from '../lib/config/deployer-config.js';
import type { ConfigDb } from '../lib/configdb/config-db.js';
import { openConfigDb } from '../lib/configdb/open-config-db.js';
import { readPem } from '../lib/base/pem-file.js';
import { plainHttpWarning } from '../lib/config/plain-http-warning.js';
import { loadSlurmTls, type SlurmTlsMaterial } from '../lib/config/slurm-tls-files.js';
import { SettingError } from '../lib/base/setting-error.js';
import { definedOnly } from '../lib/core/defined-only.js';
import { entraTokenSource } from '../lib/auth/entra.js';
import { jwtFileSource, staticJwtSource } from '../lib/auth/static-jwt.js';
import { NoSlurmTokenError, type TokenSource } from '../lib/auth/token-provider.js';
import { retryOnceWithFreshToken } from '../lib/slurm/auth-retry.js';
import { SlurmRequestError, type SlurmApi } from '../lib/slurm/slurm-api.js';
import { SlurmTlsError } from '../lib/slurm/slurm-tls.js';
import type { ReplicaLeadership } from '../streams/leadership/replica-leadership.js';
import type { Logger } from '../streams/ops/log.js';
import { keepSlurmToken, type SlurmTokens } from '../streams/clients/slurm-token-keeper.js';
import { logTokenEvent, tokenSourceName, type TokenSourceWatch } from '../streams/ops/token-log.js';
import { watchDependency } from '../streams/ops/outage-log.js';
import type { SlurmOutage } from '../streams/ops/slurm-outage.js';
import { connectSlurmWaiting } from '../streams/clients/slurm-connect.js';
import { messageOf } from '../lib/core/error-message.js';
import { badConfiguration, slurmConnectVariable } from '../lib/cli/run-messages.js';

const EXIT_CONFIG = 2;

export interface Clients {
  readonly slurm: SlurmApi;
  readonly configDb: ConfigDb;
  /** The Slurm token in use, kept fresh (its expiry is a metric). */
  readonly tokens: SlurmTokens;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Keep trying while slurmrestd cannot be reached (the deployer); else fail at once (status, plan). */
  readonly waitForSlurm: boolean;
  readonly log?: Logger;
  /**
   * The replica's leadership (the deployer's), which the clients obey: its term fences the Config
   * DB's writes, and every Slurm request once connected asks canAct() just before it goes out.
   */
  readonly leadership?: Pick<ReplicaLeadership, 'fence' | 'canAct'>;
  /** Slurm's outages in the log (the deployer's): the connection at start and the tokens feed it too. */
  readonly slurmOutage?: SlurmOutage;
}

/**
 * The clients, or the process ends with exit code 2 when a setting cannot be used: a
 * certificate file, a secret file (unreadable or empty), slurmrestd's certificate not trusted (or
 * TLS refused), a forced API version this deployer does not speak, no API version in common
 * with the server.
 */
export async function openClientsOrExit(config: DeployerConfig, options: OpenOptions): Promise<Clients> {
  let configDb: ConfigDb;
  let source: TokenSource;
  let tls: SlurmTlsMaterial | undefined;
  try {
    tls = loadSlurmTls(config.slurmTls);
    configDb = openConfigDb(config.configDb, definedOnly({ fence: options.leadership?.fence }));
    source = tokenSource(config);
  } catch (error) {
    if (error instanceof SettingError) exitConfig(error.variable, error.problem);
    throw error;
  }
  const log = options.log;
  // Said before the first request carries the token, once.
  const risk = plainHttpWarning(config.slurmUrl);
  if (risk !== undefined) log?.warning(risk, { slurm: config.slurmUrl });
  const tokens = keepSlurmToken(source);
  if (log !== undefined) {
    const source = tokenSourceWatch(config, log);
    tokens.events.subscribe((event) => {
      logTokenEvent(log, config.auth.method, event, Date.now(), source, options.slurmOutage !== undefined);
      options.slurmOutage?.token(event);
    });
  }
  const closeTokens = async () => {
    tokens.close();
    await (source as { close?: () => Promise<void> }).close?.();
  };
  try {
    const leadership = options.leadership;
    const connected = await connectSlurmWaiting({
      baseUrl: config.slurmUrl,
      version: config.slurmApiVersion,
      jobLabel: config.job.label,
      tokens,
      tls,
      waitForSlurm: options.waitForSlurm,
      log,
      outage: options.slurmOutage?.watch,
      authMethod: config.auth.method,
      // Asked just before each request is written, after its wait behind the rate limit.
      ...(leadership === undefined ? {} : { leading: () => leadership.canAct() }),
    });
    const slurm = retryOnceWithFreshToken(connected, tokens, (operation, failure) =>
      log?.info('Slurm rejected the token; trying once more with a fresh one', { operation, kind: failure.kind, error: failure.message }),
    );
    return {
      slurm,
      configDb,
      tokens,
      close: async () => {
        await Promise.allSettled([slurm.close(), configDb.close(), closeTokens()]);
      },
    };
  } catch (error) {
    await Promise.allSettled([configDb.close(), closeTokens()]);
    if (error instanceof SlurmTlsError) exitConfig(error.variable, error.problem);
    if (error instanceof SlurmRequestError) throw error;
    // No token to be had (the token server, the token file): said as such by status and plan.
    if (error instanceof NoSlurmTokenError && !options.waitForSlurm) throw error;
    exitConfig(slurmConnectVariable(config), messageOf(error));
  }
}

/** A token source that can fail (the token server, the token file): its outages told once, then with backoff. */
function tokenSourceWatch(config: DeployerConfig, log: Logger): TokenSourceWatch | undefined {
  const auth = config.auth;
  if (auth.method === 'jwt') return undefined;
  return { watch: watchDependency(log, tokenSourceName(auth.method)), where: auth.method === 'entra' ? auth.azureUrl : auth.jwtFile };
}

/** Where tokens come from (docs/configuration.md#authentication); a SettingError for a CA file or a client secret file that cannot be used. */
function tokenSource(config: DeployerConfig): TokenSource {
  const auth = config.auth;
  switch (auth.method) {
    case 'jwt':
      return staticJwtSource(config.clientId, auth.jwt);
    case 'jwt-file':
      return jwtFileSource(config.clientId, auth.jwtFile);
    case 'entra': {
      const ca = readPem('SDP_SLURMDEPLOY_AZURE_CA', auth.caFile, 'certificate')?.toString('utf8');
      return entraTokenSource({ azureUrl: auth.azureUrl, clientId: config.clientId, clientSecret: auth.clientSecret, scope: auth.scope, ...definedOnly({ ca }) });
    }
  }
}

function exitConfig(variable: string, problem: string): never {
  process.stderr.write(badConfiguration(`${variable}: ${problem}`));
  process.exit(EXIT_CONFIG);
}
