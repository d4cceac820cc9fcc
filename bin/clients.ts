// The clients every command needs, built from the configuration: Slurm (its REST API version
// negotiated, or forced) and the Config DB.

import { setTimeout as sleep } from 'node:timers/promises';
import type { DeployerConfig } from '../lib/core/config.js';
import type { SlurmJob } from '../lib/core/slurm-job.js';
import type { ConfigDb } from '../lib/configdb/config-db.js';
import { ConfigDbSettingError, openConfigDb } from '../lib/configdb/open-config-db.js';
import { staticJwtProvider } from '../lib/auth/static-jwt.js';
import { NoCommonApiVersionError } from '../lib/slurm/negotiation.js';
import { connectSlurm } from '../lib/slurm/rest-client.js';
import { SlurmRequestError, type SlurmApi } from '../lib/slurm/slurm-api.js';
import type { Logger } from '../streams/log.js';

const EXIT_CONFIG = 2;

export interface Clients {
  readonly slurm: SlurmApi;
  readonly configDb: ConfigDb;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Keep trying while slurmrestd cannot be reached (the deployer); else fail at once (status, plan). */
  readonly waitForSlurm: boolean;
  readonly log?: Logger;
}

/**
 * The clients, or the process ends with exit code 2 when a setting cannot be used: a
 * certificate file, a forced API version this deployer does not speak, no API version in
 * common with the server.
 */
export async function openClientsOrExit(config: DeployerConfig, options: OpenOptions): Promise<Clients> {
  let configDb: ConfigDb;
  try {
    configDb = openConfigDb(config.configDb);
  } catch (error) {
    if (error instanceof ConfigDbSettingError) exitConfig(error.variable, error.problem);
    throw error;
  }
  try {
    const slurm = await connectWithRetry(config, options);
    return {
      slurm,
      configDb,
      close: async () => {
        await Promise.allSettled([slurm.close(), configDb.close()]);
      },
    };
  } catch (error) {
    await configDb.close();
    if (error instanceof SlurmRequestError) throw error;
    const variable = config.slurmApiVersion !== undefined ? 'SDP_SLURMDEPLOY_API_VERSION' : 'SDP_SLURMDEPLOY_SLURM_URL';
    exitConfig(variable, error instanceof NoCommonApiVersionError || error instanceof Error ? error.message : String(error));
  }
}

async function connectWithRetry(config: DeployerConfig, options: OpenOptions): Promise<SlurmApi> {
  if (config.auth.method !== 'jwt') throw new Error('only the JWT method is available');
  const credentials = staticJwtProvider(config.clientId, config.auth.jwt);
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectSlurm({ baseUrl: config.slurmUrl, credentials, ...(config.slurmApiVersion ? { version: config.slurmApiVersion } : {}) });
    } catch (error) {
      // slurmrestd not up yet (or the token not yet accepted): the deployer waits, never dies.
      if (!(error instanceof SlurmRequestError) || !options.waitForSlurm || error.failure.kind === 'permanent') throw error;
      const delay = Math.min(60_000, 1000 * 2 ** Math.min(6, attempt - 1)) * (0.5 + Math.random() / 2);
      options.log?.warning('cannot reach slurmrestd to choose the API version; trying again', {
        attempt,
        kind: error.failure.kind,
        error: error.failure.message,
        retryInSeconds: Math.round(delay / 100) / 10,
      });
      await sleep(delay);
    }
  }
}

function exitConfig(variable: string, problem: string): never {
  process.stderr.write(`sdp-slurm-deployer: bad configuration\n${variable}: ${problem}\n`);
  process.exit(EXIT_CONFIG);
}

export function listAllJobs(slurm: SlurmApi): Promise<SlurmJob[]> {
  return slurm.listJobs();
}
