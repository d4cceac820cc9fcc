import { expect } from 'chai';
import type { DeploymentState } from '../../../lib/core/deployment-state.js';
import { entry, job, settings } from '../../support/fixtures.js';
import { g1, ofType, Run, started, stored, T0 } from '../../support/reducer-run.js';

const REJECTED = 'Slurm rejected the job: Invalid partition name specified';

/** A run whose first poll is answered before the Config DB listing (the order a restart can take). */
function pollFirst(...jobs: ReturnType<typeof job>[]): Run {
  const run = new Run();
  run.feed({ type: 'tick', now: T0 }, { type: 'jobsPolled', pollId: 1, jobs });
  return run;
}

describe('reducer after a restart', () => {
  it('writes nothing over a RUNNING state when the first poll answers before the listing', () => {
    const run = pollFirst(job(6, 'd1', 'RUNNING'));
    const listed = run.feed({ type: 'configListed', deployments: [{ ...entry('d1'), priorState: stored({ status: 'RUNNING', job_id: 6, slurm_state: 'RUNNING' }) }], invalid: [] });
    expect(listed).to.deep.equal([]);
  });

  it('cancels the job of a deployment deleted while it was down when the first poll answers before the listing', () => {
    const run = pollFirst(job(8, 'gone', 'RUNNING'), job(9, 'd1', 'RUNNING'));
    const listed = run.feed({ type: 'configListed', deployments: [{ ...entry('d1'), priorState: stored({ status: 'RUNNING', job_id: 9, slurm_state: 'RUNNING' }) }], invalid: [] });
    expect(ofType(listed, 'cancelJob')).to.deep.equal([{ type: 'cancelJob', id: 'gone', jobId: 8, why: 'deployment removed' }]);
  });

  it('writes nothing over the state found until a poll shows the job it names', () => {
    const run = new Run();
    run.feed({ type: 'tick', now: T0 });
    run.feed({ type: 'configListed', deployments: [{ ...entry('d1'), priorState: stored({ status: 'RUNNING', job_id: 6, slurm_state: 'RUNNING' }) }], invalid: [] });
    // The first poll was sent before the listing: it cannot tell whether job 6 exists.
    expect(run.feed({ type: 'jobsPolled', pollId: 1, jobs: [] })).to.deep.equal([]);
    expect(ofType(run.poll(T0 + 10_000, job(6, 'd1', 'COMPLETED')), 'writeState').map((c) => c.state.status)).to.deep.equal(['FINISHED']);
  });

  it('does not submit again a spec Slurm refused for good before the restart', () => {
    const prior: DeploymentState = stored({ status: 'FAILED', reason: REJECTED });
    const { first } = started([{ ...entry('d1'), priorState: prior }]);
    expect(first).to.deep.equal([]);
  });

  it('submits a refused deployment whose args changed while the deployer was down', () => {
    const prior = stored({ status: 'FAILED', reason: REJECTED });
    const { first } = started([{ ...entry('d1', { script: '#!/bin/bash\necho new\n' }, 12), priorState: prior }]);
    expect(ofType(first, 'submitJob').map((c) => c.submitId)).to.deep.equal(['r12']);
  });

  it('removes the state of a deployment deleted while it was down, once its job ended', () => {
    const run = new Run();
    run.feed({ type: 'configListed', deployments: [], invalid: [], orphanStates: ['gone'] });
    const first = run.poll(T0, job(8, 'gone', 'RUNNING'));
    expect(first).to.deep.equal([{ type: 'cancelJob', id: 'gone', jobId: 8, why: 'deployment removed' }]);
    run.feed({ type: 'jobCancelled', id: 'gone', jobId: 8 });
    expect(ofType(run.poll(T0 + 10_000, job(8, 'gone', 'CANCELLED')), 'deleteState')).to.deep.equal([{ type: 'deleteState', id: 'gone' }]);
  });

  it('keeps the state of a deployment deleted while it was down when told to keep states', () => {
    const run = new Run(true, { ...settings, keepStateOfDeleted: true });
    run.feed({ type: 'configListed', deployments: [], invalid: [], orphanStates: ['gone'] });
    expect(ofType(run.poll(T0), 'deleteState')).to.deep.equal([]);
  });

  it('names the failed job a refused submit made all the same', () => {
    const { run } = started();
    const refused = run.feed({ type: 'submitFailed', id: 'd1', submitId: 'r10', failure: { kind: 'permanent', message: 'Invalid partition name specified' } });
    expect(ofType(refused, 'writeState').map((c) => c.state)).to.deep.equal([g1({ status: 'FAILED', reason: REJECTED })]);
    const found = run.poll(T0 + 10_000, job(31, 'd1', 'FAILED'));
    expect(ofType(found, 'writeState').map((c) => c.state)).to.deep.equal([g1({ status: 'FAILED', job_id: 31, slurm_state: 'FAILED', reason: REJECTED })]);
    expect(ofType(found, 'submitJob')).to.deep.equal([]);
  });
});

describe('reducer through a Slurm outage', () => {
  it('writes the state of new and invalid deployments while Slurm has not answered since the start', () => {
    const run = new Run();
    run.feed({ type: 'tick', now: T0 });
    run.feed({ type: 'configListed', deployments: [entry('new'), entry('bad', { script: 1 }), { ...entry('old'), priorState: stored({ status: 'RUNNING', job_id: 3 }) }], invalid: [] });
    const failed = run.feed({ type: 'pollFailed', pollId: 1, failure: { kind: 'transient', message: 'connection refused' } });
    expect(failed.map((c) => (c.type === 'writeState' ? [c.id, c.state.status] : c.type))).to.deep.equal([
      ['bad', 'FAILED'],
      ['new', 'PENDING'],
    ]);
    expect(ofType(run.feed({ type: 'deploymentPut', deployment: entry('later', undefined, 11) }), 'writeState').map((c) => c.id)).to.deep.equal(['later']);
  });

  it('tries a submit waiting out a long backoff again within one poll interval of Slurm answering', () => {
    const { run } = started();
    let now = T0;
    // Ten failures: the backoff has grown past twice the 10 s poll interval.
    for (let i = 0; i < 9; i++) {
      run.feed({ type: 'submitFailed', id: 'd1', submitId: 'r10', failure: { kind: 'transient', message: 'connection refused' } });
      const retry = run.world.slots.get('d1')?.deployment?.retry;
      now = retry?.at ?? now;
      // Polls fail too: Slurm is down.
      for (const c of ofType(run.feed({ type: 'tick', now }), 'pollJobs')) run.feed({ type: 'pollFailed', pollId: c.pollId, failure: { kind: 'transient', message: 'connection refused' } });
    }
    run.feed({ type: 'submitFailed', id: 'd1', submitId: 'r10', failure: { kind: 'transient', message: 'connection refused' } });
    const due = run.world.slots.get('d1')?.deployment?.retry?.at ?? 0;
    expect(due - now).to.be.greaterThan(20_000);
    // Slurm answers a poll: the submit is due one interval later at the latest, its backoff reset.
    run.poll(now + 10_000);
    expect(ofType(run.feed({ type: 'tick', now: now + 20_000 }), 'submitJob')).to.have.length(1);
    run.feed({ type: 'submitFailed', id: 'd1', submitId: 'r10', failure: { kind: 'transient', message: 'connection refused' } });
    expect((run.world.slots.get('d1')?.deployment?.retry?.at ?? 0) - (now + 20_000)).to.be.at.most(1000);
  });
});
