import { expect } from 'chai';
import type { AddressInfo } from 'node:net';
import type { Command } from '../../lib/core/commands.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import { initialWorld, type Slot, type World } from '../../lib/core/world.js';
import { worldFromJson, worldToJson } from '../../lib/core/world-json.js';
import type { DeployerOutput } from '../../streams/deployer.js';
import { healthOf, serveEndpoints } from '../../streams/http-endpoints.js';
import { createMetrics } from '../../streams/metrics.js';

const step = (event: DeployerEvent, commands: Command[] = [], world: World = initialWorld): DeployerOutput => ({ type: 'step', event, world, commands });

function worldWith(statuses: Record<string, 'RUNNING' | 'FAILED'>): World {
  const slots = Object.entries(statuses).map(([id, status]): [string, Slot] => [
    id,
    { id, strays: [], writing: false, deployment: { desired: { revision: 1, argsKey: '{}', submitId: 'r1', specHash: '0' }, generation: 1, phase: { kind: 'idle' }, written: { status } } },
  ]);
  return worldFromJson({ ...worldToJson(initialWorld), slots });
}

describe('metrics', () => {
  let clock = 1_800_000_000_000;
  const metrics = () => createMetrics({ apiVersion: () => 'v0.0.38', tokenExpiry: () => clock / 1000 + 600, now: () => clock });

  it('counts submits, cancels by reason and failures by operation and kind; times polls', async () => {
    const m = metrics();
    m.observe(step({ type: 'tick', now: clock }, [{ type: 'pollJobs', pollId: 1 }]));
    clock += 250;
    m.observe(step({ type: 'jobsPolled', pollId: 1, jobs: [] }));
    m.observe(step({ type: 'jobSubmitted', id: 'd', submitId: 'r1', jobId: 4 }, [{ type: 'cancelJob', id: 'd', jobId: 4, why: 'deployment removed' }]));
    m.observe(step({ type: 'submitFailed', id: 'e', submitId: 'r1', failure: { kind: 'permanent', message: 'bad partition' } }));
    m.observe(step({ type: 'pollFailed', pollId: 2, failure: { kind: 'transient', message: 'refused' } }));
    m.resync();
    const text = await m.registry.metrics();
    expect(text).to.contain('sdp_slurmdeploy_submits_total 1');
    expect(text).to.contain('sdp_slurmdeploy_cancels_total{why="deployment removed"} 1');
    expect(text).to.contain('sdp_slurmdeploy_failures_total{operation="submit",kind="permanent"} 1');
    expect(text).to.contain('sdp_slurmdeploy_failures_total{operation="poll",kind="transient"} 1');
    expect(text).to.contain('sdp_slurmdeploy_configdb_resyncs_total 1');
    expect(text).to.contain('sdp_slurmdeploy_poll_duration_seconds_sum 0.25');
    expect(text).to.contain('sdp_slurmdeploy_poll_duration_seconds_count 1');
    expect(text).to.contain('sdp_slurmdeploy_slurm_api_info{version="v0.0.38"} 1');
    expect(text).to.contain('sdp_slurmdeploy_token_expiry_seconds 600');
  });

  it('counts deployments by the status last written, at scrape time', async () => {
    const m = metrics();
    const world = worldWith({ a: 'RUNNING', b: 'RUNNING', c: 'FAILED' });
    m.observe(step({ type: 'tick', now: clock }, [], world));
    const text = await m.registry.metrics();
    expect(text).to.contain('sdp_slurmdeploy_deployments{status="RUNNING"} 2');
    expect(text).to.contain('sdp_slurmdeploy_deployments{status="FAILED"} 1');
    expect(text).to.contain('sdp_slurmdeploy_deployments{status="FINISHED"} 0');
  });
});

describe('health and the HTTP endpoints', () => {
  it('is healthy while polls succeed within three loop intervals, stale after', () => {
    let now = 1_800_000_000_000;
    const m = createMetrics({ apiVersion: () => 'v0.0.38', now: () => now });
    const policy = { loopIntervalSeconds: 10, startedAt: now, now: () => now };
    now += 29_000;
    expect(healthOf(m, policy).healthy, 'grace after start').to.equal(true);
    now += 2_000;
    expect(healthOf(m, policy).healthy, 'no poll 31 s after start').to.equal(false);
    m.observe(step({ type: 'tick', now }, [{ type: 'pollJobs', pollId: 1 }]));
    m.observe(step({ type: 'jobsPolled', pollId: 1, jobs: [] }));
    expect(healthOf(m, policy)).to.deep.equal({ healthy: true, lastPollAgeSeconds: 0 });
    now += 31_000;
    expect(healthOf(m, policy).healthy).to.equal(false);
  });

  it('a follower in good standing is healthy though it polls nothing; once it leads, polls count again', async () => {
    let now = 1_800_000_000_000;
    let follower = true;
    const m = createMetrics({ apiVersion: () => 'v0.0.38', now: () => now, leader: () => !follower });
    const policy = { loopIntervalSeconds: 10, startedAt: now, now: () => now, standby: () => follower };
    now += 600_000;
    expect(healthOf(m, policy)).to.deep.equal({ healthy: true, role: 'follower' });
    expect(await m.registry.metrics()).to.contain('sdp_slurmdeploy_leader 0');
    follower = false;
    expect(healthOf(m, policy).healthy, 'a leader that never polled').to.equal(false);
    expect(await m.registry.metrics()).to.contain('sdp_slurmdeploy_leader 1');
  });

  it('a follower counts no deployments: only the leader\'s world is current (a sum over replicas stays right)', async () => {
    let leading = true;
    const m = createMetrics({ apiVersion: () => 'v0.0.38', leader: () => leading });
    m.observe(step({ type: 'tick', now: 1 }, [], worldWith({ a: 'RUNNING', b: 'RUNNING' })));
    expect(await m.registry.metrics()).to.contain('sdp_slurmdeploy_deployments{status="RUNNING"} 2');
    leading = false;
    expect(await m.registry.metrics()).to.contain('sdp_slurmdeploy_deployments{status="RUNNING"} 0');
  });

  it('serves /metrics and /healthz over HTTP', async () => {
    const m = createMetrics({ apiVersion: () => 'v0.0.38' });
    const server = await serveEndpoints(m, { loopIntervalSeconds: 60, startedAt: Date.now() }, 0, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const metricsRes = await fetch(`${base}/metrics`);
      expect(metricsRes.status).to.equal(200);
      expect(await metricsRes.text()).to.contain('sdp_slurmdeploy_slurm_api_info{version="v0.0.38"} 1');
      const health = await fetch(`${base}/healthz`);
      expect(health.status).to.equal(200);
      expect(await health.json()).to.deep.equal({ status: 'ok', healthy: true });
      expect((await fetch(`${base}/nope`)).status).to.equal(404);
    } finally {
      server.close();
    }
  });
});
