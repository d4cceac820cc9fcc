// The clients every command needs, built from the configuration: Slurm and the Config DB.

import type { DeployerConfig } from '../lib/core/config.js';
import type { SlurmJob } from '../lib/core/slurm-job.js';
import { ConfigDbSettingError, openConfigDb } from '../lib/configdb/open-config-db.js';
import { staticJwtProvider } from '../lib/auth/static-jwt.js';
import { createSlurmRestClient } from '../lib/slurm/rest-client.js';
import type { SlurmApi } from '../lib/slurm/slurm-api.js';
import type { ConfigDb } from '../lib/configdb/config-db.js';

export interface Clients {
  readonly slurm: SlurmApi;
  readonly configDb: ConfigDb;
  close(): Promise<void>;
}

export function openClients(config: DeployerConfig): Clients {
  if (config.auth.method !== 'jwt') throw new Error('only the JWT method is available');
  const slurm = createSlurmRestClient({ baseUrl: config.slurmUrl, credentials: staticJwtProvider(config.clientId, config.auth.jwt) });
  // A certificate file that cannot be used throws ConfigDbSettingError, naming the variable.
  const configDb = openConfigDb(config.configDb);
  return {
    slurm,
    configDb,
    close: async () => {
      await Promise.allSettled([slurm.close(), configDb.close()]);
    },
  };
}

/** The clients, or the process ends with exit code 2 when a setting cannot be used (a certificate file, say). */
export function openClientsOrExit(config: DeployerConfig): Clients {
  try {
    return openClients(config);
  } catch (error) {
    if (!(error instanceof ConfigDbSettingError)) throw error;
    process.stderr.write(`sdp-slurm-deployer: bad configuration\n${error.variable}: ${error.problem}\n`);
    process.exit(2);
  }
}

export function listAllJobs(slurm: SlurmApi): Promise<SlurmJob[]> {
  return slurm.listJobs();
}
