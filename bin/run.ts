// `node bin/deployer [run]`: read the environment, build the clients, run until SIGTERM/SIGINT.
// Wiring only; every decision lives in lib/core.

import { describeProblems, readConfig, type DeployerConfig } from '../lib/core/config.js';
import type { ConfigDb } from '../lib/configdb/config-db.js';
import { createEtcdConfigDb } from '../lib/configdb/etcd-config-db.js';
import { createMemoryConfigDb } from '../lib/configdb/memory-config-db.js';
import { staticJwtProvider } from '../lib/auth/static-jwt.js';
import { createSlurmRestClient } from '../lib/slurm/rest-client.js';
import { openJournal } from '../streams/journal.js';
import { liveDeployer, reducerSettingsOf } from '../streams/live-deployer.js';
import { createLogger, defaultLogFormat } from '../streams/log.js';

const EXIT_OK = 0;
const EXIT_FATAL = 1;
const EXIT_CONFIG = 2;

export function runDeployer(): void {
  const result = readConfig(process.env);
  if (!result.ok) {
    process.stderr.write(`sdp-slurm-deployer: bad configuration\n${describeProblems(result.problems)}\n`);
    process.exit(EXIT_CONFIG);
  }
  const config = result.config;
  if (config.auth.method !== 'jwt') {
    process.stderr.write('sdp-slurm-deployer: bad configuration\nSDP_SLURMDEPLOY_AZURE_URL: the Entra method is not available in this release; set SDP_SLURMDEPLOY_SLURM_JWT\n');
    process.exit(EXIT_CONFIG);
  }
  const log = createLogger({ level: config.logLevel, format: config.logFormat ?? defaultLogFormat(process.stdout.isTTY) });
  const slurm = createSlurmRestClient({ baseUrl: config.slurmUrl, credentials: staticJwtProvider(config.clientId, config.auth.jwt) });
  const configDb = openConfigDb(config);
  log.info('deployer starting', {
    slurm: config.slurmUrl,
    api: slurm.version,
    configDb: `${config.configDb.backend}:${config.configDb.host}:${config.configDb.port}`,
    label: config.job.label,
    loopInterval: config.loopIntervalSeconds,
    ...(config.journalFile === undefined ? {} : { journal: config.journalFile }),
  });
  const journal = config.journalFile === undefined ? undefined : openJournal(config.journalFile, reducerSettingsOf(config), log);
  const subscription = liveDeployer({ config, slurm, configDb, log, journal }).subscribe({
    error: (error: unknown) => {
      log.error('deployer stopped by an unexpected error', { error: String(error) });
      void Promise.resolve(journal?.close()).then(() => process.exit(EXIT_FATAL));
    },
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(EXIT_OK); // a second signal: no more waiting
    stopping = true;
    log.info('deployer stopping', { signal });
    subscription.unsubscribe();
    // Unsubscribed first: no step follows, so the journal's last line is the loop's last step.
    void Promise.allSettled([slurm.close(), configDb.close(), journal?.close()]).then(() => process.exit(EXIT_OK));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
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

