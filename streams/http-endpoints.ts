// The deployer's optional HTTP port: /metrics for Prometheus, /healthz for probes. Health
// means Slurm was polled successfully within a few loop intervals.

import { createServer, type Server } from 'node:http';
import type { DeployerMetrics } from './metrics.js';

export interface HealthPolicy {
  readonly loopIntervalSeconds: number;
  /** Polls that may be missed before the deployer is unhealthy. */
  readonly missedPolls?: number;
  readonly startedAt: number;
  readonly now?: () => number;
  /** A follower in good standing (it reaches etcd): ready to lead, so healthy though it polls nothing. */
  readonly standby?: () => boolean;
}

export interface Health {
  readonly healthy: boolean;
  readonly lastPollAgeSeconds?: number;
  readonly role?: 'follower';
}

export function healthOf(metrics: DeployerMetrics, policy: HealthPolicy): Health {
  if (policy.standby?.() === true) return { healthy: true, role: 'follower' };
  const now = (policy.now ?? Date.now)() / 1000;
  const limit = policy.loopIntervalSeconds * (policy.missedPolls ?? 3);
  const last = metrics.lastPollAt();
  // A fresh start has the same grace as a poll just made.
  const since = last ?? policy.startedAt / 1000;
  return { healthy: now - since <= limit, ...(last === undefined ? {} : { lastPollAgeSeconds: Math.round((now - last) * 1000) / 1000 }) };
}

export async function serveEndpoints(metrics: DeployerMetrics, policy: HealthPolicy, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET' }).end();
    } else if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else if (path === '/healthz') {
      const health = healthOf(metrics, policy);
      res.writeHead(health.healthy ? 200 : 503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: health.healthy ? 'ok' : 'stale', ...health }));
    } else {
      res.writeHead(404).end();
    }
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
