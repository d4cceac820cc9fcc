// The clients every command needs, built from the configuration: Slurm and the Config DB.

import type { DeployerConfig } from '../lib/core/config.js';
import type { SlurmJob } from '../lib/core/slurm-job.js';
import type { ConfigDb } from '../lib/configdb/config-db.js';
import { createEtcdConfigDb } from '../lib/configdb/etcd-config-db.js';
import { createMemoryConfigDb } from '../lib/configdb/memory-config-db.js';
import { staticJwtProvider } from '../lib/auth/static-jwt.js';
import { createSlurmRestClient } from '../lib/slurm/rest-client.js';
import type { SlurmApi } from '../lib/slurm/slurm-api.js';

export interface Clients {
  readonly slurm: SlurmApi;
  readonly configDb: ConfigDb;
  close(): Promise<void>;
}

export function openClients(config: DeployerConfig): Clients {
  if (config.auth.method !== 'jwt') throw new Error('only the JWT method is available');
  const slurm = createSlurmRestClient({ baseUrl: config.slurmUrl, credentials: staticJwtProvider(config.clientId, config.auth.jwt) });
  const configDb = openConfigDb(config);
  return {
    slurm,
    configDb,
    close: async () => {
      await Promise.allSettled([slurm.close(), configDb.close()]);
    },
  };
}

export function listAllJobs(slurm: SlurmApi): Promise<SlurmJob[]> {
  return slurm.listJobs();
}

function openConfigDb(config: DeployerConfig): ConfigDb {
  const db = config.configDb;
  if (db.backend === 'memory') return createMemoryConfigDb();
  return createEtcdConfigDb({
    hosts: `${db.protocol}://${db.host}:${db.port}`,
    ...(db.username === undefined ? {} : { username: db.username }),
    ...(db.password === undefined ? {} : { password: db.password }),
  });
}
