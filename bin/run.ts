// `node bin/deployer [run]`: read the environment, build the clients and the leadership, run
// until SIGTERM/SIGINT, shut down cleanly. Wiring only; every decision lives in lib/ and streams/.

import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { Subject } from 'rxjs';
import { tap } from 'rxjs/operators';
import type { World } from '../lib/core/world.js';
import { watermarkAtStop } from '../lib/core/watermark.js';
import { withTimeout } from '../lib/configdb/with-timeout.js';
import { messageOf } from '../lib/core/error-message.js';
import { describeProblems, readConfig, type DeployerConfig } from '../lib/config/deployer-config.js';
import { openClientsOrExit } from './clients.js';
import { setLongTimeout } from '../streams/time/delay.js';
import { watchDeployerHealth } from '../streams/ops/deployer-health.js';
import { serveEndpoints } from '../streams/ops/http-endpoints.js';
import { openJournal, type Journal } from '../streams/ops/journal.js';
import { whileLeading } from '../streams/leadership/leadership.js';
import { reducerSettingsOf } from '../lib/config/reducer-settings.js';
import { liveDeployer } from '../streams/live-deployer.js';
import { touchWhileFollowing } from '../streams/ops/liveness-file.js';
import { replicaLeadership, replicaRole } from '../streams/leadership/replica-leadership.js';
import { badConfiguration, metricsPortProblem, startFields } from '../lib/cli/run-messages.js';
import { createLogger, defaultLogFormat } from '../streams/ops/log.js';
import { createMetrics } from '../streams/ops/metrics.js';
import { collectProcessMetrics } from '../streams/ops/process-metrics.js';
import { slurmOutage } from '../streams/ops/slurm-outage.js';

import { EXIT_CONFIG, EXIT_FATAL, EXIT_OK } from '../lib/cli/exit-codes.js';

export { EXIT_CONFIG, EXIT_FATAL, EXIT_OK };

/** The configuration, or the process ends with exit code 2 and a message naming the variables. */
export function configOrExit(): DeployerConfig {
  const result = readConfig(process.env);
  if (!result.ok) {
    process.stderr.write(badConfiguration(describeProblems(result.problems)));
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
  const replicaId = config.replicaId ?? `${hostname()}-${process.pid}`;
  // The leadership fences the Config DB's writes and gates each Slurm request: built first, so the
  // clients are made obeying it; started once they are open (a replica waiting for Slurm leads nothing).
  const leadership = replicaLeadership(config, replicaId, log);
  // slurmrestd out of reach, at start and in polls, said once and then with backoff.
  const slurmTrouble = slurmOutage(log, config.slurmUrl, config.auth.method);
  const clients = await openClientsOrExit(config, { waitForSlurm: true, log, slurmOutage: slurmTrouble, leadership });
  process.off('SIGTERM', exitNow).off('SIGINT', exitNow);
  const { slurm, configDb, tokens } = clients;
  log.info('deployer starting', startFields(config, slurm.version, replicaId));
  leadership.start();
  const metrics = createMetrics({ apiVersion: () => slurm.version, tokenExpiry: () => tokens.expiry(), leader: () => leadership.canAct(), pacing: () => slurm.pacing() });
  // The process's own (memory, compiled code, CPU, handles, GC): once per process, so not in the embeddable streams.
  collectProcessMetrics(metrics.registry);
  const role = () => replicaRole(leadership, config.leaderTtlSeconds, Date.now());
  const health = watchDeployerHealth({ config, configDb, metrics, log, role });
  let server: Server | undefined;
  if (config.metricsPort !== undefined) {
    try {
      server = await serveEndpoints({ registry: metrics.registry, health: health.report }, config.metricsPort, config.metricsHost);
    } catch (error) {
      // The port is configuration: a busy or forbidden one is the operator's to change (exit 2).
      process.stderr.write(badConfiguration(metricsPortProblem(error, config.metricsHost, config.metricsPort)));
      await leadership.resign().catch(() => undefined);
      await clients.close().catch(() => undefined);
      process.exit(EXIT_CONFIG);
    }
  }
  // Each term is a run from the initial world: its journal begins with a header of its own.
  let journal: Journal | undefined;
  const stop = new Subject<void>();
  const shutDown = async (code: number) => {
    server?.close();
    health.close();
    // Resigning revokes the lease: another replica takes over at once, not after the TTL.
    await leadership.resign().catch(() => undefined);
    await Promise.allSettled([clients.close(), journal?.close()]);
    process.exit(code);
  };

  touchWhileFollowing(role, config.livenessFile, config.loopIntervalSeconds, log);
  /** The world of the term running, for the watermark it leaves when it stops. */
  let lastWorld: World | undefined;
  const run = (term: number) => {
    log.info('deployer acting for this term', { replica: leadership.replicaId, term });
    health.termBegan();
    void journal?.close();
    journal = config.journalFile === undefined ? undefined : openJournal(config.journalFile, reducerSettingsOf(config, slurm), log);
    lastWorld = undefined;
    return liveDeployer({ config, slurm, configDb: health.configDb, log, journal, metrics: health.metrics, stop }).pipe(
      tap((output) => {
        if (output.type === 'step') lastWorld = output.world;
        slurmTrouble.observe(output);
        if (output.type === 'step' && (output.event.type === 'jobsPolled' || output.event.type === 'statesPolled')) leadership.publishPoll(Date.now());
      }),
    );
  };
  const subscription = whileLeading(leadership.changes, run, stop).subscribe({
    complete: () => {
      log.info('deployer stopped');
      void leaveWatermark(lastWorld).then(() => shutDown(EXIT_OK));
    },
    error: (error: unknown) => {
      log.error('deployer stopped by an unexpected error', { error: String(error) });
      void shutDown(EXIT_FATAL);
    },
  });

  /** Every command answered: the next leader need not wait for submits of ours inside slurmrestd. */
  const leaveWatermark = async (world: World | undefined): Promise<void> => {
    const watermark = world === undefined ? undefined : watermarkAtStop(world);
    if (watermark === undefined || !leadership.canAct()) return;
    try {
      await withTimeout(configDb.writeWatermark(config.job.label, watermark), 3000, 'write the watermark');
      log.info('job-id watermark left for the next leader', { floor: watermark.floor, clean: watermark.clean });
    } catch (error) {
      log.warning('could not leave the job-id watermark: the next leader will wait before its first poll', { error: messageOf(error) });
    }
  };

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
