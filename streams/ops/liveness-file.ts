// The liveness file says: a poll of Slurm succeeded just now, and the deployer is healthy (or, for
// a follower, that it reaches etcd). A probe that reads its age (find -mmin, a stat in an exec
// probe) then tells the truth.

import { utimes, writeFile } from 'node:fs/promises';
import type { DeployerOutput } from '../loop/deployer.js';
import type { HealthReport } from './health.js';
import type { ReplicaRole } from '../leadership/replica-leadership.js';
import type { Logger } from './log.js';

/** Touches `file` after each successful poll, but only while `health()` says healthy. */
export function livenessFile(file: string, health: () => HealthReport, log: Logger): (output: DeployerOutput) => void {
  let warned = false;
  // A start is not news: the first polls may come before the Config DB is listed.
  let wasHealthy = false;
  return (output) => {
    if (output.type !== 'step' || output.event.type !== 'jobsPolled') return;
    const report = health();
    if (!report.healthy) {
      if (!warned && wasHealthy) log.warning('deployer unhealthy: the liveness file is no longer touched', { file, failing: report.failing, ...Object.fromEntries(report.failing.map((c) => [c, report.checks[c].detail])) });
      warned = wasHealthy;
      return;
    }
    if (warned) log.info('deployer healthy again: touching the liveness file', { file });
    warned = false;
    wasHealthy = true;
    touchFile(file, log);
  };
}

/** Sets the file's time to now, creating it if need be; a failure is logged, never thrown. */
export function touchFile(file: string, log: Logger): void {
  const now = new Date();
  utimes(file, now, now)
    .catch(() => writeFile(file, ''))
    .catch((error: unknown) => log.warning('cannot touch the liveness file', { file, error: String(error) }));
}

/**
 * A follower shows it is alive by reaching etcd (it polls no Slurm): while `role()` says so, the
 * file is touched every poll interval, at most every 5 s. The timer does not hold the process.
 */
export function touchWhileFollowing(role: () => ReplicaRole, file: string, loopIntervalSeconds: number, log: Logger): void {
  const timer = setInterval(() => {
    if (role() === 'follower') touchFile(file, log);
  }, Math.min(5000, loopIntervalSeconds * 1000));
  timer.unref();
}
