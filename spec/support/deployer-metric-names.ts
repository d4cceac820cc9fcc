// The names a running `node bin/deployer` serves at /metrics (its streams' metrics, health, event
// loop, prom-client's defaults), as a scraper sees them: a histogram's _bucket, _sum and _count.
// For the specs that check the Prometheus kit and the README and docs/ name only metrics that exist.

import type { Registry } from 'prom-client';
import { readConfig } from '../../lib/config/deployer-config.js';
import { createMemoryConfigDb } from '../../lib/configdb/memory-config-db.js';
import { initialWorld } from '../../lib/core/world.js';
import { watchDeployerHealth } from '../../streams/ops/deployer-health.js';
import { createLogger } from '../../streams/ops/log.js';
import { createMetrics } from '../../streams/ops/metrics.js';
import { collectProcessMetrics } from '../../streams/ops/process-metrics.js';

/** What `node bin/deployer` serves at /metrics, in the text format, after a poll, a rejected submit and a cancel. */
export async function deployerMetricsText(): Promise<string> {
  return withDeployerRegistry((registry) => registry.metrics());
}

export async function deployerMetricNames(): Promise<Set<string>> {
  return withDeployerRegistry(async (registry) => {
    const names = new Set<string>();
    for (const metric of await registry.getMetricsAsJSON()) {
      const type = String(metric.type);
      const suffixes = type === 'histogram' ? ['_bucket', '_sum', '_count'] : type === 'summary' ? ['', '_sum', '_count'] : [''];
      for (const suffix of suffixes) names.add(metric.name + suffix);
    }
    return names;
  });
}

async function withDeployerRegistry<T>(use: (registry: Registry) => Promise<T>): Promise<T> {
  const config = readConfig({
    SDP_SLURMDEPLOY_SLURM_URL: 'http://127.0.0.1:1',
    SDP_SLURMDEPLOY_CLIENT_ID: 'sdp',
    SDP_SLURMDEPLOY_SLURM_JWT: 'x.y.z',
    SDP_SLURMDEPLOY_RELEASE_NAME: 'r',
    SDP_SLURMDEPLOY_NAMESPACE: 'n',
    SDP_SLURMDEPLOY_LIVENESS_FILE: '/dev/null',
    SDP_CONFIG_BACKEND: 'memory',
  });
  if (!config.ok) throw new Error(JSON.stringify(config.problems));
  // Wired as bin/run.ts wires them, with every optional source given.
  const metrics = createMetrics({
    apiVersion: () => 'v0.0.38',
    tokenExpiry: () => Date.now() / 1000 + 3600,
    leader: () => true,
    pacing: () => ({ throttled: false, limit: 8, inFlight: 0, queued: 0, throttledAnswers: 0 }),
  });
  const log = createLogger({ level: 'ERROR', format: 'json', write: () => undefined });
  const health = watchDeployerHealth({ config: config.config, configDb: createMemoryConfigDb(), metrics, log });
  collectProcessMetrics(metrics.registry);
  // The last poll's time is served from the first successful poll on.
  health.metrics.observe({ type: 'step', event: { type: 'jobsPolled', pollId: 1, jobs: [] }, world: initialWorld, commands: [] });
  // And the labelled counters' first series.
  const failed = { type: 'submitFailed', id: 'd', submitId: 'r1', failure: { kind: 'permanent', message: 'bad partition' } } as const;
  health.metrics.observe({ type: 'step', event: failed, world: initialWorld, commands: [{ type: 'cancelJob', id: 'e', jobId: 4, why: 'replaced' }] });
  try {
    return await use(metrics.registry);
  } finally {
    health.close();
  }
}

/** The deployer's metric names a text mentions (ours and the process's, not Prometheus' own `up`). */
export function metricNamesIn(text: string): Set<string> {
  return new Set(text.match(/\b(?:sdp_slurmdeploy|process|nodejs)_[a-z0-9_]+\b/g) ?? []);
}
