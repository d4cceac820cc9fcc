// The /healthz checks as a metric, so that alerts see what the deployer itself judges (a Config DB
// it cannot reach, Slurm not polled within its bound) with its own settings, on followers too.

import { Gauge, type Registry } from 'prom-client';
import type { HealthCheckName, HealthReport } from './health.js';

export function registerHealthMetric(registry: Registry, report: () => HealthReport): void {
  new Gauge({
    name: 'sdp_slurmdeploy_health_check',
    help: 'Whether each /healthz check (configdb, slurm, deployments, event_loop) holds (1) or fails (0)',
    labelNames: ['check'],
    registers: [registry],
    collect() {
      const { checks } = report();
      for (const check of Object.keys(checks) as HealthCheckName[]) this.set({ check }, checks[check].ok ? 1 : 0);
    },
  });
}
