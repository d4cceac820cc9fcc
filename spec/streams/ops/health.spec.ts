// Health that tells the truth (issue 11, 7): each check named when it fails, over HTTP as 503
// with a JSON body; the liveness file touched only while healthy; etcd's errors in plain words.

import { expect } from 'chai';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import type { Command } from '../../../lib/core/commands.js';
import type { DeployerEvent } from '../../../lib/core/events.js';
import type { PacingReport } from '../../../lib/slurm/slurm-api.js';
import { initialWorld } from '../../../lib/core/world.js';
import { explainConfigDbError } from '../../../lib/configdb/config-db-trouble.js';
import type { DeployerOutput } from '../../../streams/loop/deployer.js';
import { watchEventLoopLag } from '../../../streams/ops/event-loop-lag.js';
import { createHealthMonitor } from '../../../streams/ops/health.js';
import { serveEndpoints } from '../../../streams/ops/http-endpoints.js';
import { livenessFile } from '../../../streams/ops/liveness-file.js';
import { createLogger } from '../../../streams/ops/log.js';

const step = (event: DeployerEvent, commands: Command[] = []): DeployerOutput => ({ type: 'step', event, world: initialWorld, commands });
const listed = step({ type: 'configListed', deployments: [], invalid: [] });
const polled = (pollId = 1) => step({ type: 'jobsPolled', pollId, jobs: [] });

describe('health', () => {
  let now = 1_800_000_000_000;
  let lag = 0;
  const monitor = () => createHealthMonitor({ policy: { loopIntervalSeconds: 10 }, now: () => now, eventLoopLagMs: () => lag });
  beforeEach(() => {
    lag = 0;
  });

  it('is unhealthy until the Config DB is listed, naming the check', () => {
    const h = monitor();
    const report = h.report();
    expect(report.healthy).to.equal(false);
    expect(report.failing).to.deep.equal(['configdb']);
    h.observe(listed);
    expect(h.report()).to.include({ healthy: true, status: 'ok' });
  });

  it('fails the configdb check with what to do when etcd cannot be reached, until listed again', () => {
    const h = monitor();
    h.observe(listed);
    h.configDbLost(explainConfigDbError(new Error('circuit breaker is open'), { host: '127.0.0.1', port: 1 }));
    const report = h.report();
    expect(report.failing).to.deep.equal(['configdb']);
    expect(report.checks.configdb.detail).to.match(/^cannot reach etcd at 127\.0\.0\.1:1 \(SDP_CONFIG_HOST, SDP_CONFIG_PORT\): check that etcd runs/);
    h.observe(listed);
    expect(h.report().healthy).to.equal(true);
  });

  it('fails the configdb check while state writes cannot reach etcd, though the watch says nothing', () => {
    const h = monitor();
    h.observe(listed);
    h.observe(step({ type: 'stateWriteFailed', id: 'a', state: { status: 'PENDING' }, failure: { kind: 'transient', message: 'etcd unavailable' } }));
    expect(h.report().failing).to.deep.equal(['configdb']);
    h.observe(step({ type: 'stateWritten', id: 'a', state: { status: 'PENDING' } }));
    expect(h.report().healthy).to.equal(true);
  });

  it('fails the configdb check while the probe finds etcd away, though the watch says nothing', () => {
    const h = monitor();
    h.observe(listed);
    h.configDbProbed('cannot reach etcd at etcd.sdp:2379 (SDP_CONFIG_HOST, SDP_CONFIG_PORT): ...');
    expect(h.report().failing).to.deep.equal(['configdb']);
    h.configDbProbed(undefined);
    expect(h.report().healthy).to.equal(true);
  });

  it('fails the slurm check when no poll succeeded within three intervals, after the same grace at start', () => {
    const h = monitor();
    h.observe(listed);
    now += 29_000;
    expect(h.report().healthy, 'grace after start').to.equal(true);
    now += 2_000;
    expect(h.report().failing).to.deep.equal(['slurm']);
    h.observe(polled());
    expect(h.report()).to.include({ healthy: true, lastPollAgeSeconds: 0 });
    now += 31_000;
    const report = h.report();
    expect(report.failing).to.deep.equal(['slurm']);
    expect(report.checks.slurm.detail).to.contain('SDP_SLURMDEPLOY_SLURM_URL');
  });

  it('judges a new term as a fresh start: listed again, the start grace before its first poll, no fault of an earlier term', () => {
    const h = monitor();
    h.observe(listed);
    h.observe(polled());
    h.observe({ type: 'fault', event: { type: 'jobSubmitted', id: 'd1', submitId: 'r1', jobId: 7 }, error: new Error('bug') });
    now += 60_000; // leadership lost for a minute: no poll
    expect(h.report().failing).to.deep.equal(['slurm', 'deployments']);
    h.termBegan();
    const taking = h.report();
    expect(taking.failing, 'taking over: only the listing is owed').to.deep.equal(['configdb']);
    expect(taking.checks.configdb.detail).to.equal('the Config DB has not been listed yet');
    expect(taking.checks.slurm.detail).to.equal('starting: no Slurm poll yet');
    h.observe(listed);
    now += 29_000;
    expect(h.report().healthy, 'the grace counts from the term').to.equal(true);
    now += 2_000;
    expect(h.report().failing).to.deep.equal(['slurm']);
    expect(h.report().checks.slurm.detail).to.match(/^no Slurm poll has succeeded since the start/);
  });

  it('counts the start grace of a term that holds its first poll (after a stop that was not clean) from the end of the hold', () => {
    const h = monitor();
    h.termBegan();
    const holdUntil = now + 20_000;
    h.observe({ type: 'step', event: { type: 'configListed', deployments: [], invalid: [] }, world: { ...initialWorld, hold: { ms: 20_000, until: holdUntil } }, commands: [] });
    now += 19_000;
    expect(h.report().healthy, 'holding').to.equal(true);
    expect(h.report().checks.slurm.detail).to.equal("starting after a stop that was not clean: the first Slurm poll waits 1 s more for the last leader's submits to land");
    now += 30_000;
    expect(h.report().healthy, 'within the grace after the hold').to.equal(true);
    now += 2_000;
    expect(h.report().failing, 'past the hold and the grace').to.deep.equal(['slurm']);
  });

  it('fails the deployments check while a deployment is stuck on a fault of the reducer, until it moves on', () => {
    const h = monitor();
    h.observe(listed);
    h.observe({ type: 'fault', event: { type: 'jobSubmitted', id: 'd1', submitId: 'r1', jobId: 7 }, error: new Error('bug') });
    expect(h.report().failing).to.deep.equal(['deployments']);
    expect(h.report().checks.deployments.detail).to.contain('d1');
    h.observe(step({ type: 'stateWritten', id: 'd1', state: { status: 'PENDING' } }));
    expect(h.report().healthy).to.equal(true);
  });

  it('fails the deployments check after a fault on a whole listing, until a listing goes through', () => {
    const h = monitor();
    h.observe({ type: 'fault', event: { type: 'configListed', deployments: [], invalid: [] }, error: new RangeError('Maximum call stack size exceeded') });
    expect(h.report().failing).to.deep.equal(['configdb', 'deployments']);
    expect(h.report().checks.deployments.detail).to.contain('(the Config DB listing): the deployer failed on its configListed event');
    h.observe(listed);
    expect(h.report().healthy).to.equal(true);
  });

  it('takes stuck deployments from the reducer when it offers them', () => {
    const h = createHealthMonitor({ policy: { loopIntervalSeconds: 10 }, now: () => now, stuck: () => [{ id: 'd2', reason: 'internal error' }] });
    h.observe(listed);
    expect(h.report().failing).to.deep.equal(['deployments']);
  });

  it('fails the event_loop check from a lag of one second', () => {
    const h = monitor();
    h.observe(listed);
    lag = 999;
    expect(h.report().healthy).to.equal(true);
    lag = 1000;
    expect(h.report().failing).to.deep.equal(['event_loop']);
  });

  it('takes a poll of our jobs\' states for a successful poll, as a full list', () => {
    const h = monitor();
    h.observe(listed);
    now += 25_000;
    h.observe(step({ type: 'statesPolled', pollId: 1, states: [] }));
    now += 25_000;
    expect(h.report()).to.include({ healthy: true });
    expect(h.report().checks.slurm.detail).to.equal('Slurm polled 25 s ago');
  });

  it('names every failing check at once', () => {
    const h = monitor();
    now += 60_000;
    lag = 5000;
    expect(h.report().failing).to.deep.equal(['configdb', 'slurm', 'event_loop']);
  });
});

describe('health over HTTP', () => {
  it('answers /healthz 503 naming each failing check, 200 once all hold; /readyz likewise for configdb and slurm', async () => {
    const h = createHealthMonitor({ policy: { loopIntervalSeconds: 60 } });
    const registry = new Registry();
    const server = await serveEndpoints({ registry, health: () => h.report() }, 0, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const sick = await fetch(`${base}/healthz`);
      expect(sick.status).to.equal(503);
      const body = (await sick.json()) as { status: string; failing: string[]; checks: Record<string, { ok: boolean; detail: string }> };
      expect(body.status).to.equal('unhealthy');
      expect(body.failing).to.deep.equal(['configdb']);
      expect(body.checks['configdb']).to.deep.equal({ ok: false, detail: 'the Config DB has not been listed yet' });
      expect((await fetch(`${base}/readyz`)).status).to.equal(503);
      h.observe(listed);
      const well = await fetch(`${base}/healthz`);
      expect(well.status).to.equal(200);
      expect(await well.json()).to.include({ status: 'ok', healthy: true });
      expect((await fetch(`${base}/readyz`)).status).to.equal(200);
      expect((await fetch(`${base}/metrics`)).status).to.equal(200);
      expect((await fetch(`${base}/nothing`)).status).to.equal(404);
    } finally {
      server.close();
    }
  });
});

describe('health while Slurm throttles the deployer', () => {
  const throttled: PacingReport = { throttled: true, limit: 2, inFlight: 2, queued: 120, throttledAnswers: 31 };

  it('stays healthy while polls succeed within their bound, and says it is throttled, with the limit', () => {
    let now = 1_800_000_000_000;
    const h = createHealthMonitor({ policy: { loopIntervalSeconds: 10 }, now: () => now, pacing: () => throttled });
    h.observe(listed);
    h.observe(polled());
    now += 29_000;
    const report = h.report();
    expect(report).to.include({ healthy: true, status: 'ok' });
    expect(report.throttled?.limit).to.equal(2);
    expect(report.throttled?.detail).to.match(/^Slurm throttles this deployer \(slurmctld's per-user RPC rate limit\).* go 2 at a time \(120 waiting, 31 late answers/);
    now += 2_000;
    expect(h.report().failing, 'throttled or not, polls past their bound fail the slurm check').to.deep.equal(['slurm']);
  });

  it('says nothing of throttling when Slurm answers promptly, or when nothing tells', () => {
    const prompt = createHealthMonitor({ policy: { loopIntervalSeconds: 10 }, pacing: () => ({ ...throttled, throttled: false }) });
    expect(prompt.report()).not.to.have.property('throttled');
    expect(createHealthMonitor({ policy: { loopIntervalSeconds: 10 } }).report()).not.to.have.property('throttled');
  });

  it('answers /readyz 200 with `throttled` among its reasons, and /healthz 200', async () => {
    let pacing: PacingReport = throttled;
    const h = createHealthMonitor({ policy: { loopIntervalSeconds: 60 }, pacing: () => pacing });
    h.observe(listed);
    h.observe(polled());
    const server = await serveEndpoints({ registry: new Registry(), health: () => h.report() }, 0, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).to.equal(200);
      const body = (await ready.json()) as { ready: boolean; reasons: string[]; throttled: { limit: number; detail: string } };
      expect(body).to.include({ ready: true });
      expect(body.reasons).to.deep.equal(['throttled']);
      expect(body.throttled.limit).to.equal(2);
      const healthz = await fetch(`${base}/healthz`);
      expect(healthz.status).to.equal(200);
      expect(((await healthz.json()) as { throttled?: unknown }).throttled).to.deep.equal(body.throttled);
      pacing = { ...throttled, throttled: false };
      const calm = (await (await fetch(`${base}/readyz`)).json()) as Record<string, unknown>;
      expect(calm['reasons']).to.deep.equal([]);
      expect(calm).not.to.have.property('throttled');
    } finally {
      server.close();
    }
  });
});

describe('the liveness file', () => {
  it('is touched after a poll only while healthy', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'liveness-'));
    const file = path.join(dir, 'alive');
    try {
      const h = createHealthMonitor({ policy: { loopIntervalSeconds: 60 } });
      const log = createLogger({ level: 'ERROR', format: 'json' });
      const touch = livenessFile(file, () => h.report(), log);
      h.observe(polled());
      touch(polled());
      await sleep(50);
      expect(await stat(file).then(() => true, () => false), 'not touched while the Config DB is not watched').to.equal(false);
      h.observe(listed);
      touch(polled(2));
      await sleep(50);
      expect(await stat(file).then(() => true, () => false), 'touched once healthy').to.equal(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Config DB errors in the operator words', () => {
  const at = { host: 'etcd.sdp', port: 2379 };
  for (const [raw, start] of [
    ['circuit breaker is open', 'cannot reach etcd at etcd.sdp:2379'],
    ['14 UNAVAILABLE: No connection established', 'cannot reach etcd at etcd.sdp:2379'],
    ['connect ECONNREFUSED 127.0.0.1:2379', 'cannot reach etcd at etcd.sdp:2379'],
    ['etcdserver: authentication failed, invalid user ID or password', 'etcd at etcd.sdp:2379 (SDP_CONFIG_HOST, SDP_CONFIG_PORT) refused the credentials'],
  ] as const) {
    it(`explains "${raw}"`, () => {
      const text = explainConfigDbError(new Error(raw), at);
      expect(text.startsWith(start), text).to.equal(true);
      expect(text).to.contain(`[etcd client: ${raw}]`);
    });
  }
});

describe('event-loop lag', () => {
  it('measures a blocked loop and exports it as a metric', async () => {
    const registry = new Registry();
    const lag = watchEventLoopLag({ windowMs: 400, registry });
    try {
      await sleep(50);
      const until = Date.now() + 300;
      while (Date.now() < until) {
        // block the loop
      }
      await sleep(20);
      expect(lag.maxMs()).to.be.greaterThan(250);
      expect(await registry.metrics()).to.match(/sdp_slurmdeploy_event_loop_delay_seconds\{quantile="1"\} 0\.[2-9]/);
    } finally {
      lag.close();
    }
  });
});
