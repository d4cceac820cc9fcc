// The health of a running deployer, wired: the monitor fed by its outputs, the Config DB watched
// and probed, event-loop lag measured, the liveness file touched only while healthy. bin/run.ts
// hands liveDeployer the Config DB and metrics returned here.

import type { DeployerConfig } from '../lib/core/config.js';
import type { ConfigDb } from '../lib/configdb/config-db.js';
import { probeConfigDb } from './config-db-probe.js';
import { watchEventLoopLag } from './event-loop-lag.js';
import { createHealthMonitor, type HealthReport, type StuckDeployment } from './health.js';
import { livenessFile } from './liveness-file.js';
import type { Logger } from './log.js';
import type { DeployerMetrics } from './metrics.js';
import { observedConfigDb } from './observed-config-db.js';

export interface DeployerHealth {
  /** The Config DB to give liveDeployer: the same one, telling health when it is lost. */
  readonly configDb: ConfigDb;
  /** The metrics to give liveDeployer: the same ones, feeding health and the liveness file too. */
  readonly metrics: DeployerMetrics;
  report(): HealthReport;
  close(): void;
}

export interface DeployerHealthOptions {
  readonly config: DeployerConfig;
  readonly configDb: ConfigDb;
  readonly metrics: DeployerMetrics;
  readonly log: Logger;
  /** From the reducer, when it offers it: deployments stuck on an internal error. */
  readonly stuck?: () => readonly StuckDeployment[];
}

export function watchDeployerHealth({ config, configDb, metrics, log, stuck }: DeployerHealthOptions): DeployerHealth {
  const lag = watchEventLoopLag({ registry: metrics.registry });
  const health = createHealthMonitor({ policy: { loopIntervalSeconds: config.loopIntervalSeconds }, eventLoopLagMs: () => lag.lagMs(), ...(stuck === undefined ? {} : { stuck }) });
  const probe = probeConfigDb(configDb, {
    everyMs: Math.min(config.loopIntervalSeconds, 10) * 1000,
    timeoutMs: 3000,
    address: config.configDb,
    onResult: (problem) => health.configDbProbed(problem),
  });
  const touch = livenessFile(config.livenessFile, () => health.report(), log);
  return {
    configDb: observedConfigDb(configDb, { trouble: (why) => health.configDbLost(why) }, config.configDb),
    metrics: {
      ...metrics,
      observe(output) {
        metrics.observe(output);
        health.observe(output);
        touch(output);
      },
    },
    report: () => health.report(),
    close() {
      lag.close();
      probe.stop();
    },
  };
}
