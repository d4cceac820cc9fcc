// The deployer's optional HTTP port: /metrics for Prometheus, /healthz and /readyz for probes.
// /healthz is 200 only while every check of health.ts holds, else 503 naming each failing check.
// /readyz names `throttled` among its reasons while Slurm throttles the deployer, and stays 200:
// a pod made unready would drop out of its Service's endpoints, and with it the metrics that
// show the throttling, while the deployer does its work, only slower.

import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { isReady, type HealthReport } from './health.js';

export interface Endpoints {
  readonly registry: Registry;
  readonly health: () => HealthReport;
}

export async function serveEndpoints(endpoints: Endpoints, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = (code: number, body: unknown) => res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    if (req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET' }).end();
    } else if (path === '/metrics') {
      endpoints.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': endpoints.registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else if (path === '/healthz') {
      const report = endpoints.health();
      json(report.healthy ? 200 : 503, report);
    } else if (path === '/readyz') {
      // Ready: the Config DB is watched and Slurm answers. A lagging loop or a bug is health's to tell.
      const report = endpoints.health();
      const ready = isReady(report);
      const failing = report.failing.filter((c) => c === 'configdb' || c === 'slurm');
      json(ready ? 200 : 503, {
        status: ready ? 'ready' : 'not ready',
        ready,
        failing,
        reasons: [...failing, ...(report.throttled === undefined ? [] : ['throttled'])],
        checks: { configdb: report.checks.configdb, slurm: report.checks.slurm },
        ...(report.throttled === undefined ? {} : { throttled: report.throttled }),
      });
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
