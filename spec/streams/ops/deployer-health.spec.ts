// The wired health of a deployer: deployments the reducer FAILED for an internal error come from
// its world; a follower in good standing is healthy though it polls nothing.

import { expect } from 'chai';
import { readConfig, type DeployerConfig } from '../../../lib/config/deployer-config.js';
import { createMemoryConfigDb } from '../../../lib/configdb/memory-config-db.js';
import type { DeployerEvent } from '../../../lib/core/events.js';
import { createReducer } from '../../../lib/core/reducer.js';
import { initialWorld } from '../../../lib/core/world.js';
import type { DeployerOutput } from '../../../streams/loop/deployer.js';
import { watchDeployerHealth } from '../../../streams/ops/deployer-health.js';
import { createLogger } from '../../../streams/ops/log.js';
import { createMetrics } from '../../../streams/ops/metrics.js';
import { entry, settings } from '../../support/fixtures.js';

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

/** Args whose `script` throws when read: a bug met while handling one deployment. */
function throwingArgs(): Record<string, unknown> {
  const args = {};
  Object.defineProperty(args, 'script', { enumerable: true, get: () => { throw new TypeError('boom'); } });
  return args;
}

describe('deployer health, wired', () => {
  const log = createLogger({ level: 'ERROR', format: 'json', write: () => undefined });

  it('names the deployments the reducer FAILED for an internal error, from the world of the latest step', () => {
    const health = watchDeployerHealth({ config: config(), configDb: createMemoryConfigDb(), metrics: createMetrics({ apiVersion: () => 'v0.0.38' }), log });
    try {
      const reduce = createReducer(settings);
      let world = initialWorld;
      const feed = (event: DeployerEvent) => {
        const step = reduce(world, event);
        world = step.world;
        const output: DeployerOutput = { type: 'step', event, world, commands: step.commands };
        health.metrics.observe(output);
      };
      feed({ type: 'tick', now: Date.now() });
      feed({ type: 'configListed', deployments: [entry('bad', throwingArgs()), entry('ok')], invalid: [] });
      feed({ type: 'jobsPolled', pollId: 1, jobs: [] });
      const report = health.report();
      expect(report.failing).to.include('deployments');
      expect(report.checks.deployments.detail).to.contain('bad: internal error: TypeError: boom');
      expect(report.checks.deployments.detail).not.to.contain('ok:');
    } finally {
      health.close();
    }
  });

  it('a follower in good standing is healthy though it polls nothing; one cut off from etcd is not, saying so; nor a leader that never polled', () => {
    let role: 'leader' | 'follower' | 'cut off' = 'follower';
    const health = watchDeployerHealth({ config: config(), configDb: createMemoryConfigDb(), metrics: createMetrics({ apiVersion: () => 'v0.0.38' }), log, role: () => role });
    try {
      const asFollower = health.report();
      expect(asFollower).to.include({ healthy: true, role: 'follower' });
      role = 'cut off';
      const cut = health.report();
      expect(cut.healthy).to.equal(false);
      expect(cut.failing).to.deep.equal(['configdb']);
      expect(cut.checks.configdb.detail).to.match(/^cannot reach etcd at 127\.0\.0\.1:2379 \(SDP_CONFIG_HOST, SDP_CONFIG_PORT\)/);
      role = 'leader';
      const asLeader = health.report();
      expect(asLeader.role).to.equal(undefined);
      // Not listed yet: the leader's Config DB check fails until its first listing.
      expect(asLeader.healthy).to.equal(false);
      expect(asLeader.failing).to.include('configdb');
    } finally {
      health.close();
    }
  });

  it("says the deployer is throttled from its metrics' Slurm client, and stays healthy", () => {
    const pacing = { throttled: true, limit: 1, inFlight: 1, queued: 9, throttledAnswers: 4 };
    const health = watchDeployerHealth({ config: config(), configDb: createMemoryConfigDb(), metrics: createMetrics({ apiVersion: () => 'v0.0.42', pacing: () => pacing }), log });
    try {
      health.metrics.observe({ type: 'step', event: { type: 'configListed', deployments: [], invalid: [] }, world: initialWorld, commands: [] });
      health.metrics.observe({ type: 'step', event: { type: 'jobsPolled', pollId: 1, jobs: [] }, world: initialWorld, commands: [] });
      const report = health.report();
      expect(report.healthy).to.equal(true);
      expect(report.throttled?.limit).to.equal(1);
    } finally {
      health.close();
    }
  });
});
