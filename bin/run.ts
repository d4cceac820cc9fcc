// `node bin/deployer [run]`: read the environment, build the clients, run until SIGTERM/SIGINT.
// Wiring only; every decision lives in lib/core.

import type { Server } from 'node:http';
import { Subject } from 'rxjs';
import { describeProblems, readConfig, type DeployerConfig } from '../lib/core/config.js';
import { openClientsOrExit } from './clients.js';
import { setLongTimeout } from '../streams/delay.js';
import { watchDeployerHealth } from '../streams/deployer-health.js';
import { serveEndpoints } from '../streams/http-endpoints.js';
import { openJournal } from '../streams/journal.js';
import { liveDeployer, reducerSettingsOf } from '../streams/live-deployer.js';
import { createLogger, defaultLogFormat } from '../streams/log.js';
import { createMetrics } from '../streams/metrics.js';

export const EXIT_OK = 0;
export const EXIT_FATAL = 1;
export const EXIT_CONFIG = 2;

/** The configuration, or the process ends with exit code 2 and a message naming the variables. */
export function configOrExit(): DeployerConfig {
  const result = readConfig(process.env);
  if (!result.ok) {
    process.stderr.write(`sdp-slurm-deployer: bad configuration\n${describeProblems(result.problems)}\n`);
    process.exit(EXIT_CONFIG);
  }
  return result.config;
}

export async function runDeployer(): Promise<void> {
  const config = configOrExit();
  const log = createLogger({ level: config.logLevel, format: config.logFormat ?? defaultLogFormat(process.stdout.isTTY) });
  // Until the loop runs there is nothing in flight: a signal while waiting for Slurm just exits.
  const exitNow = () => process.exit(EXIT_OK);
  process.once('SIGTERM', exitNow).once('SIGINT', exitNow);
  const clients = await openClientsOrExit(config, { waitForSlurm: true, log });
  process.off('SIGTERM', exitNow).off('SIGINT', exitNow);
  const { slurm, configDb, tokens } = clients;
  const metrics = createMetrics({ apiVersion: () => slurm.version, tokenExpiry: () => tokens.expiry() });
  const health = watchDeployerHealth({ config, configDb, metrics, log });
  let server: Server | undefined;
  if (config.metricsPort !== undefined) {
    try {
      server = await serveEndpoints({ registry: metrics.registry, health: health.report }, config.metricsPort, config.metricsHost);
    } catch (error) {
      // The port is configuration: a busy or forbidden one is the operator's to change (exit 2).
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'EADDRINUSE' ? 'is in use by another process' : code === 'EACCES' ? 'may not be used by this user' : `cannot be served (${String(error)})`;
      const address = `${config.metricsHost}:${config.metricsPort}`;
      process.stderr.write(`sdp-slurm-deployer: bad configuration\nSDP_SLURMDEPLOY_METRICS_PORT: ${address} ${why}; choose another port (or SDP_SLURMDEPLOY_METRICS_HOST)\n`);
      await clients.close().catch(() => undefined);
      process.exit(EXIT_CONFIG);
    }
  }
  log.info('deployer starting', {
    slurm: config.slurmUrl,
    api: slurm.version,
    configDb: `${config.configDb.backend}:${config.configDb.host}:${config.configDb.port}`,
    label: config.job.label,
    auth: config.auth.method,
    loopInterval: config.loopIntervalSeconds,
    ...(config.metricsPort === undefined ? {} : { metrics: `${config.metricsHost}:${config.metricsPort}` }),
    ...(config.journalFile === undefined ? {} : { journal: config.journalFile }),
  });
  const journal = config.journalFile === undefined ? undefined : openJournal(config.journalFile, reducerSettingsOf(config), log);
  const stop = new Subject<void>();
  const shutDown = async (code: number) => {
    server?.close();
    health.close();
    await Promise.allSettled([clients.close(), journal?.close()]);
    process.exit(code);
  };

  // The liveness file is touched by health, only while healthy (liveness-file.ts); liveDeployer's own
  // touch after every poll, healthy or not, is given /dev/null until it leaves that to its caller.
  const wired = { ...config, livenessFile: '/dev/null' };
  const subscription = liveDeployer({ config: wired, slurm, configDb: health.configDb, log, journal, metrics: health.metrics, stop }).subscribe({
    complete: () => {
      log.info('deployer stopped');
      void shutDown(EXIT_OK);
    },
    error: (error: unknown) => {
      log.error('deployer stopped by an unexpected error', { error: String(error) });
      void shutDown(EXIT_FATAL);
    },
  });

  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) {
      log.warning('second signal: exiting at once', { signal });
      process.exit(EXIT_FATAL);
    }
    stopping = true;
    log.info('deployer stopping: no new work; waiting for commands in flight', { signal, graceSeconds: config.shutdownGraceSeconds });
    stop.next();
    setLongTimeout(
      () => {
        log.warning('grace period over: stopping with commands in flight', { graceSeconds: config.shutdownGraceSeconds });
        subscription.unsubscribe();
        void shutDown(EXIT_OK);
      },
      config.shutdownGraceSeconds * 1000,
      { unref: true },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}
