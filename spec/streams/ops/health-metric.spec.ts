// The metrics the Prometheus kit's alerts read: each /healthz check as sdp_slurmdeploy_health_check,
// as the deployer judges it (a follower cut off from etcd too), the token's expiry as a timestamp,
// and the event-loop delay as a summary (its quantiles per window, its count and sum only growing).

import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { readConfig, type DeployerConfig } from '../../../lib/config/deployer-config.js';
import { createMemoryConfigDb } from '../../../lib/configdb/memory-config-db.js';
import { initialWorld } from '../../../lib/core/world.js';
import { watchDeployerHealth } from '../../../streams/ops/deployer-health.js';
import { watchEventLoopLag } from '../../../streams/ops/event-loop-lag.js';
import { createLogger } from '../../../streams/ops/log.js';
import { createMetrics } from '../../../streams/ops/metrics.js';

function config(): DeployerConfig {
  const result = readConfig({
    SDP_SLURMDEPLOY_SLURM_URL: 'http://127.0.0.1:1',
    SDP_SLURMDEPLOY_CLIENT_ID: 'sdp',
    SDP_SLURMDEPLOY_SLURM_JWT: 'x.y.z',
    SDP_SLURMDEPLOY_RELEASE_NAME: 'r',
    SDP_SLURMDEPLOY_NAMESPACE: 'n',
    SDP_SLURMDEPLOY_LIVENESS_FILE: '/dev/null',
    SDP_CONFIG_BACKEND: 'memory',
  });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config;
}

const checksIn = (text: string) =>
  Object.fromEntries([...text.matchAll(/^sdp_slurmdeploy_health_check\{check="(\w+)"\} (\d)$/gm)].map((m) => [m[1], Number(m[2])]));

describe('health as a metric', () => {
  const log = createLogger({ level: 'ERROR', format: 'json', write: () => undefined });

  it('shows every /healthz check, 0 while it fails and 1 once it holds, as /healthz says at the scrape', async () => {
    let role: 'leader' | 'follower' | 'cut off' = 'leader';
    const metrics = createMetrics({ apiVersion: () => 'v0.0.38' });
    const health = watchDeployerHealth({ config: config(), configDb: createMemoryConfigDb(), metrics, log, role: () => role });
    try {
      // A leader not listed yet: its Config DB check fails (and /healthz says so).
      const before = checksIn(await metrics.registry.metrics());
      expect(Object.keys(before).sort()).to.deep.equal(Object.keys(health.report().checks).sort());
      expect(before).to.include({ configdb: 0, deployments: 1 });
      health.metrics.observe({ type: 'step', event: { type: 'configListed', deployments: [], invalid: [] }, world: initialWorld, commands: [] });
      health.metrics.observe({ type: 'step', event: { type: 'jobsPolled', pollId: 1, jobs: [] }, world: initialWorld, commands: [] });
      expect(checksIn(await metrics.registry.metrics())).to.include({ configdb: 1, slurm: 1 });
      role = 'cut off';
      expect(checksIn(await metrics.registry.metrics())).to.include({ configdb: 0, slurm: 1 });
    } finally {
      health.close();
    }
  });

  it('gives the token expiry as a Unix timestamp, and the seconds left under the older name', async () => {
    const nowMs = 1_800_000_000_000;
    const text = await createMetrics({ apiVersion: () => 'v0.0.38', tokenExpiry: () => nowMs / 1000 + 600, now: () => nowMs }).registry.metrics();
    expect(text).to.contain(`sdp_slurmdeploy_token_expiry_timestamp_seconds ${nowMs / 1000 + 600}`);
    expect(text).to.contain('sdp_slurmdeploy_token_expiry_seconds 600');
    const unknown = await createMetrics({ apiVersion: () => 'v0.0.38', tokenExpiry: () => undefined }).registry.metrics();
    expect(unknown).not.to.match(/^sdp_slurmdeploy_token_expiry/m);
  });

  it('gives the event-loop delay as a summary: quantiles of the last window, a count and sum that only grow', async () => {
    const registry = new Registry();
    const lag = watchEventLoopLag({ windowMs: 100, registry });
    const read = async () => {
      const text = await registry.metrics();
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
      return { text, count: value('sdp_slurmdeploy_event_loop_delay_seconds_count'), sum: value('sdp_slurmdeploy_event_loop_delay_seconds_sum') };
    };
    try {
      await sleep(250);
      const first = await read();
      expect(first.text).to.contain('# TYPE sdp_slurmdeploy_event_loop_delay_seconds summary');
      expect(first.text).to.match(/^sdp_slurmdeploy_event_loop_delay_seconds\{quantile="0\.99"\} /m);
      expect(first.count).to.be.greaterThan(0);
      await sleep(250);
      const second = await read();
      expect(second.count).to.be.greaterThan(first.count);
      expect(second.sum).to.be.greaterThan(first.sum);
    } finally {
      lag.close();
    }
  });
});
