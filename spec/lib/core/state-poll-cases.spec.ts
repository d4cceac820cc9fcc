// Cases the property runs found with state polls (issue 19): each pins a fix in lib/core, with the
// settings the live deployer has where Slurm serves `GET /jobs/state`, on the scale of a test.

import { expect } from 'chai';
import { canonicalJson } from '../../../lib/core/canonical-json.js';
import type { DeployerEvent } from '../../../lib/core/events.js';
import { createReducer } from '../../../lib/core/reducer.js';
import type { SlurmJob } from '../../../lib/core/slurm-job.js';
import { specHash } from '../../../lib/core/spec-hash.js';
import { watermarkAtStop } from '../../../lib/core/watermark.js';
import type { Watermark } from '../../../lib/core/world.js';
import { worldFromJson, worldToJson, type WorldJson } from '../../../lib/core/world-json.js';
import { entry, job } from '../../support/fixtures.js';
import { ofType, stored, T0 } from '../../support/reducer-run.js';
import { isPoll, STATE_SETTINGS, StateRun } from '../../support/state-run.js';

const listed = (deployments: ReturnType<typeof entry>[], watermark?: Watermark): DeployerEvent => ({ type: 'configListed', deployments, invalid: [], ...(watermark ? { watermark } : {}) });

/** A job of ours as the deployer submits it: its identity names the args it runs. */
const ours = (jobId: number, id: string, base: string, args: unknown = { script: '#!/bin/bash\ntrue\n' }, submitId = 'r10'): SlurmJob =>
  job(jobId, id, base, { comment: `sdp-slurm-deployer:deployment=${id};submit=${submitId};spec=${specHash(canonicalJson(args))}` });

describe('reducer with state polls, cases found by the property specs', () => {
  it('cancels the job of a deployment deleted while none watched when the first poll is answered before the term wrote its watermark', () => {
    const run = new StateRun(false);
    const first = [...run.feed({ type: 'tick', now: T0 }), ...run.feed(listed([], { floor: 5, clean: true }))];
    expect(first.map((c) => c.type)).to.deep.equal(['writeWatermark', 'pollStates']);
    expect(run.answerPoll(first, [job(8, 'gone', 'RUNNING')])).to.deep.equal([]);
    const written = run.feed({ type: 'watermarkWritten', watermark: { floor: 5, clean: false } });
    expect(ofType(written, 'cancelJob')).to.deep.equal([{ type: 'cancelJob', id: 'gone', jobId: 8, why: 'deployment removed' }]);
  });

  it('decides the same from a world read back from JSON: a failed lookup of an end a state poll showed is not asked again at once', () => {
    const run = new StateRun();
    run.feed(listed([entry('d1')], { floor: 5, clean: true }));
    expect(ofType(run.poll(T0), 'submitJob').map((c) => c.submitId)).to.deep.equal(['r10']);
    run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
    expect(ofType(run.poll(T0 + 3_000, ours(7, 'd1', 'FAILED')), 'lookupJob')).to.deep.equal([{ type: 'lookupJob', id: 'd1', jobId: 7 }]);
    const failed: DeployerEvent = { type: 'lookupFailed', id: 'd1', jobId: 7, failure: { kind: 'transient', message: 'timeout' } };
    const reduce = createReducer(STATE_SETTINGS);
    const direct = reduce(run.world, failed).commands;
    const copied = reduce(worldFromJson(JSON.parse(JSON.stringify(worldToJson(run.world))) as WorldJson), failed).commands;
    expect(copied).to.deep.equal(direct);
    expect(ofType([...direct], 'lookupJob')).to.deep.equal([]);
  });

  it('a term stopped in its takeover hold leaves the next one the hold: its stop is not clean', () => {
    const run = new StateRun();
    run.feed(listed([entry('d1')], { floor: 5, clean: false }));
    expect(run.feed({ type: 'tick', now: T0 }).filter(isPoll)).to.deep.equal([]);
    expect(watermarkAtStop(run.world)).to.deep.equal({ floor: 5, clean: false });
  });

  it('holds the first poll after an unclean stop for a deployment whose args changed since its state was written', () => {
    const run = new StateRun();
    const invalidState = stored({ status: 'FAILED', reason: 'args.time_limit: expected a positive integer' }, { script: 'x', time_limit: 'soon' });
    run.feed(listed([{ ...entry('d1', undefined, 11), priorState: invalidState }], { floor: 5, clean: false }));
    expect(run.feed({ type: 'tick', now: T0 }).filter(isPoll)).to.deep.equal([]);
    expect(run.feed({ type: 'tick', now: T0 + 19_999 }).filter(isPoll)).to.deep.equal([]);
    expect(run.feed({ type: 'tick', now: T0 + 20_000 }).filter(isPoll).map((c) => c.type)).to.deep.equal(['pollStates']);
  });

  it('never adopts, as a job without identity, a job known from state polls alone: one of args changed meanwhile is cancelled', () => {
    const run = new StateRun();
    const prior = stored({ status: 'PENDING', job_id: 100 });
    run.feed(listed([{ ...entry('d1'), priorState: prior }], { floor: 100, clean: true }));
    const tick = run.feed({ type: 'tick', now: T0 });
    run.feed({ type: 'deploymentPut', deployment: entry('d1', { script: 'v2', time_limit: 5 }, 11) });
    const answered = run.answerPoll(tick, [ours(100, 'd1', 'PENDING')]);
    expect(ofType(answered, 'cancelJob')).to.deep.equal([{ type: 'cancelJob', id: 'd1', jobId: 100, why: 'replaced' }]);
    expect(ofType(answered, 'writeState').map((c) => c.state)).to.deep.equal([{ status: 'PENDING', reason: 'waiting for job 100 to end before submitting', generation: 2 }]);
  });

  it('never adopts a finished job known from state polls alone either: args changed meanwhile are submitted', () => {
    const run = new StateRun();
    run.feed(listed([{ ...entry('d1'), priorState: stored({ status: 'RUNNING', job_id: 100 }) }], { floor: 100, clean: true }));
    const tick = run.feed({ type: 'tick', now: T0 });
    run.feed({ type: 'deploymentPut', deployment: entry('d1', { script: 'v2', time_limit: 5 }, 11) });
    const answered = run.answerPoll(tick, [ours(100, 'd1', 'COMPLETED')]);
    expect(ofType(answered, 'submitJob').map((c) => c.submitId)).to.deep.equal(['r11']);
    expect(ofType(answered, 'writeState').map((c) => c.state.job_id)).to.deep.equal([undefined]);
  });

  it('cancels by id the job of a deployment made another kind while none watched (its entry still carries our state)', () => {
    const run = new StateRun();
    const prior = stored({ status: 'RUNNING', job_id: 9, slurm_state: 'RUNNING' });
    run.feed(listed([{ ...entry('d1', undefined, 11, 'helm'), priorState: prior }], { floor: 20, clean: true }));
    expect(ofType(run.poll(T0, ours(9, 'd1', 'RUNNING')), 'cancelJob')).to.deep.equal([{ type: 'cancelJob', id: 'd1', jobId: 9, why: 'deployment removed' }]);
  });

  it('lowers the persisted floor at once below a job that lost its record (its deployment deleted with its state)', () => {
    const run = new StateRun();
    const prior = stored({ status: 'RUNNING', job_id: 100, slurm_state: 'RUNNING' });
    run.feed(listed([{ ...entry('d1'), priorState: prior }], { floor: 99, clean: true }));
    // Job 100 is recorded: the floor rises to it.
    expect(ofType(run.poll(T0, ours(100, 'd1', 'RUNNING')), 'writeWatermark').map((c) => c.watermark)).to.deep.equal([{ floor: 100, clean: false }]);
    const deleted = run.feed({ type: 'deploymentDeleted', id: 'd1' });
    expect(ofType(deleted, 'writeWatermark').map((c) => c.watermark)).to.deep.equal([{ floor: 99, clean: false }]);
    expect(ofType(deleted, 'cancelJob')).to.deep.equal([{ type: 'cancelJob', id: 'd1', jobId: 100, why: 'deployment removed' }]);
  });
});
