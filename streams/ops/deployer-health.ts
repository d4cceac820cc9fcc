// The health of a running deployer, wired: the monitor fed by its outputs, the Config DB watched
// and probed, event-loop lag measured, the liveness file touched only while healthy. bin/run.ts
// hands liveDeployer the Config DB and metrics returned here.

import type { DeployerConfig } from '../../lib/config/deployer-config.js';
import { faultedOf, type World } from '../../lib/core/world.js';
import type { ConfigDb } from '../../lib/configdb/config-db.js';
import type { ReplicaRole } from '../leadership/replica-leadership.js';
import { probeConfigDb } from './config-db-probe.js';
import { watchEventLoopLag } from './event-loop-lag.js';
import { createHealthMonitor, type HealthReport, type StuckDeployment } from './health.js';
import { registerHealthMetric } from './health-metric.js';
import { livenessFile } from './liveness-file.js';
import type { Logger } from './log.js';
import type { DeployerMetrics } from './metrics.js';
import { observedConfigDb } from './observed-config-db.js';

export interface DeployerHealth {
  /** The Config DB to give liveDeployer: the same one, telling health when it is lost. */
  readonly configDb: ConfigDb;
  /** The metrics to give liveDeployer: the same ones, feeding health and the liveness file too. */
  readonly metrics: DeployerMetrics;
  /** This replica began a term as the leader: its health is judged afresh (health.ts). */
  termBegan(): void;
  report(): HealthReport;
  close(): void;
}

export interface DeployerHealthOptions {
  readonly config: DeployerConfig;
  readonly configDb: ConfigDb;
  readonly metrics: DeployerMetrics;
  readonly log: Logger;
  /**
   * With several replicas, what this one is now: the leader (health as a deployer's); a follower
   * that reaches etcd, ready to lead (healthy though it polls nothing: `role: follower`); or cut
   * off from etcd, so that it can neither lead nor follow. Absent: always the leader.
   */
  readonly role?: () => ReplicaRole;
}

export function watchDeployerHealth({ config, configDb, metrics, log, role = () => 'leader' }: DeployerHealthOptions): DeployerHealth {
  const lag = watchEventLoopLag({ registry: metrics.registry });
  // Deployments the reducer failed for an internal error, from the world of the latest step.
  let world: World | undefined;
  const stuck = (): readonly StuckDeployment[] => (world === undefined ? [] : faultedOf(world));
  const health = createHealthMonitor({ policy: { loopIntervalSeconds: config.loopIntervalSeconds }, eventLoopLagMs: () => lag.lagMs(), stuck, pacing: () => metrics.pacing() });
  const report = (): HealthReport => {
    const now = role();
    return now === 'leader' ? health.report() : followerReport(health.report(), now === 'follower' ? undefined : cutOff(config));
  };
  registerHealthMetric(metrics.registry, report);
  // Only the leader writes (fenced): the probe is its; a follower's contact is its election's.
  const probe = probeConfigDb(configDb, {
    when: () => role() === 'leader',
    everyMs: Math.min(config.loopIntervalSeconds, 10) * 1000,
    timeoutMs: 3000,
    address: config.configDb,
    onResult: (problem) => health.configDbProbed(problem),
  });
  const touch = livenessFile(config.livenessFile, report, log);
  return {
    configDb: observedConfigDb(configDb, { trouble: (why) => health.configDbLost(why) }, config.configDb),
    metrics: {
      ...metrics,
      observe(output) {
        if (output.type === 'step') world = output.world;
        metrics.observe(output);
        health.observe(output);
        touch(output);
      },
    },
    termBegan() {
      world = undefined;
      health.termBegan();
    },
    report,
    close() {
      lag.close();
      probe.stop();
    },
  };
}

/** What a replica that cannot reach etcd must be told. */
function cutOff(config: DeployerConfig): string {
  const where = config.configDb.endpoints?.join(', ') ?? `${config.configDb.host}:${config.configDb.port}`;
  return `cannot reach etcd at ${where} (SDP_CONFIG_HOST, SDP_CONFIG_PORT): check that etcd runs there and that the address, port and protocol (SDP_CONFIG_PROTOCOL) are right; this replica can neither lead nor follow meanwhile`;
}

/** Not the leader: it answers for etcd (`etcdProblem`, or ready to lead) and its event loop; Slurm and deployments are the leader's. */
function followerReport(report: HealthReport, etcdProblem?: string): HealthReport {
  const checks = {
    ...report.checks,
    configdb: etcdProblem === undefined ? { ok: true, detail: 'a follower: it reaches etcd and is ready to lead' } : { ok: false, detail: etcdProblem },
    slurm: { ok: true, detail: 'a follower polls nothing: the leader does' },
    deployments: { ok: true, detail: 'a follower decides nothing: the leader does' },
  };
  const failing = report.failing.filter((name) => !checks[name].ok);
  return { ...report, status: failing.length === 0 ? 'ok' : 'unhealthy', healthy: failing.length === 0, failing, checks, ...(etcdProblem === undefined ? { role: 'follower' as const } : {}) };
}

