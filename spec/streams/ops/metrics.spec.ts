import { expect } from 'chai';
import type { Command } from '../../../lib/core/commands.js';
import type { DeployerEvent } from '../../../lib/core/events.js';
import { initialWorld, type Slot, type World } from '../../../lib/core/world.js';
import { worldFromJson, worldToJson } from '../../../lib/core/world-json.js';
import type { DeployerOutput } from '../../../streams/loop/deployer.js';
import type { PacingReport } from '../../../lib/slurm/slurm-api.js';
import { createMetrics } from '../../../streams/ops/metrics.js';

const step = (event: DeployerEvent, commands: Command[] = [], world: World = initialWorld): DeployerOutput => ({ type: 'step', event, world, commands });

function worldWith(statuses: Record<string, 'RUNNING' | 'FAILED'>): World {
  const slots = Object.entries(statuses).map(([id, status]): [string, Slot] => [
    id,
    { id, strays: [], stateLane: 'idle', deployment: { desired: { revision: 1, argsKey: '{}', submitId: 'r1', specHash: '0' }, generation: 1, phase: { kind: 'idle' }, written: { status } } },
  ]);
  return worldFromJson({ ...worldToJson(initialWorld), slots });
}

describe('metrics', () => {
  let clock = 1_800_000_000_000;
  const metrics = () => createMetrics({ apiVersion: () => 'v0.0.38', tokenExpiry: () => clock / 1000 + 600, now: () => clock });

  it('shows no last-poll time before the first poll, rather than 0 (the flaky CLI spec took 0 for a poll; issue 11, 12)', async () => {
    const m = metrics();
    m.observe(step({ type: 'tick', now: clock }, [{ type: 'pollJobs', pollId: 1 }]));
    expect(await m.registry.metrics()).not.to.match(/^sdp_slurmdeploy_last_poll_timestamp_seconds/m);
    clock += 100;
    m.observe(step({ type: 'jobsPolled', pollId: 1, jobs: [] }));
    const text = await m.registry.metrics();
    expect(text).to.contain(`sdp_slurmdeploy_last_poll_timestamp_seconds ${clock / 1000}`);
    expect(text).to.contain('sdp_slurmdeploy_poll_duration_seconds_count 1');
  });

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

  it('takes a poll of our jobs\' states for a poll of Slurm, as health does; times only full lists', async () => {
    const m = metrics();
    m.observe(step({ type: 'tick', now: clock }, [{ type: 'pollStates', pollId: 1, jobIds: [4], all: false }]));
    clock += 30;
    m.observe(step({ type: 'statesPolled', pollId: 1, states: [] }));
    const text = await m.registry.metrics();
    expect(text).to.contain(`sdp_slurmdeploy_last_poll_timestamp_seconds ${clock / 1000}`);
    expect(text).to.contain('sdp_slurmdeploy_poll_duration_seconds_count 0');
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

describe('metrics of a replica', () => {
  it('a follower shows leader 0 and counts no deployments: only the leader\'s world is current (a sum over replicas stays right)', async () => {
    let leading = true;
    const m = createMetrics({ apiVersion: () => 'v0.0.38', leader: () => leading });
    m.observe(step({ type: 'tick', now: 1 }, [], worldWith({ a: 'RUNNING', b: 'RUNNING' })));
    const text = await m.registry.metrics();
    expect(text).to.contain('sdp_slurmdeploy_deployments{status="RUNNING"} 2');
    expect(text).to.contain('sdp_slurmdeploy_leader 1');
    leading = false;
    const after = await m.registry.metrics();
    expect(after).to.contain('sdp_slurmdeploy_deployments{status="RUNNING"} 0');
    expect(after).to.contain('sdp_slurmdeploy_leader 0');
  });
});

describe('metrics of the pacing of Slurm requests', () => {
  it('read the Slurm client when scraped: throttled 0/1, the concurrency limit, and late answers counted', async () => {
    let pacing: PacingReport = { throttled: false, limit: 8, inFlight: 0, queued: 0, throttledAnswers: 0 };
    const m = createMetrics({ apiVersion: () => 'v0.0.42', pacing: () => pacing });
    const first = await m.registry.metrics();
    expect(first).to.contain('sdp_slurmdeploy_slurm_throttled 0');
    expect(first).to.contain('sdp_slurmdeploy_slurm_concurrency_limit 8');
    expect(first).to.contain('sdp_slurmdeploy_slurm_throttled_answers_total 0');
    expect(first).to.contain('# TYPE sdp_slurmdeploy_slurm_throttled_answers_total counter');
    pacing = { throttled: true, limit: 2, inFlight: 2, queued: 40, throttledAnswers: 7 };
    const throttled = await m.registry.metrics();
    expect(throttled).to.contain('sdp_slurmdeploy_slurm_throttled 1');
    expect(throttled).to.contain('sdp_slurmdeploy_slurm_concurrency_limit 2');
    expect(throttled).to.contain('sdp_slurmdeploy_slurm_throttled_answers_total 7');
    pacing = { ...pacing, throttledAnswers: 9 };
    expect(await m.registry.metrics()).to.contain('sdp_slurmdeploy_slurm_throttled_answers_total 9');
    expect(m.pacing()).to.equal(pacing);
  });

  it('are absent without a client to read', async () => {
    const m = createMetrics({ apiVersion: () => 'v0.0.42' });
    expect(await m.registry.metrics()).not.to.contain('sdp_slurmdeploy_slurm_throttled');
    expect(m.pacing()).to.equal(undefined);
  });
});
