// A stray job's life (lib/core/stray-job.ts) where its phases meet: a cancel sent again beside a
// lookup of the job, a deployment created again beside a cancel backing off, a late answer.

import { expect } from 'chai';
import { canonicalJson } from '../../../lib/core/canonical-json.js';
import { formatJobIdentity } from '../../../lib/core/slurm-job.js';
import { specHash } from '../../../lib/core/spec-hash.js';
import { straysOf } from '../../../lib/core/world.js';
import { entry, job, settings } from '../../support/fixtures.js';
import { g1, ofType, Run, started, T0 } from '../../support/reducer-run.js';

const SOON = { kind: 'transient', message: 'connection refused' } as const;
const cancel7 = { type: 'cancelJob', id: 'd1', jobId: 7, why: 'deployment removed' } as const;

/** A run whose Config DB holds nothing, and whose first poll shows job 7 of a deleted d1: it is cancelled. */
function strayRun(run = new Run()): Run {
  run.feed({ type: 'configListed', deployments: [], invalid: [] });
  expect(run.poll(T0, job(7, 'd1', 'RUNNING'))).to.deep.equal([cancel7]);
  return run;
}

describe('a stray job', () => {
  it('is cancelled again when a poll still shows it active before the lookup after its cancel answers; that lookup still ends it', () => {
    const run = strayRun();
    expect(run.feed({ type: 'jobCancelled', id: 'd1', jobId: 7 })).to.deep.equal([{ type: 'lookupJob', id: 'd1', jobId: 7 }]);
    expect(run.poll(T0 + 10_000, job(7, 'd1', 'RUNNING'))).to.deep.equal([cancel7]);
    // The lookup, asked before that poll, answers that the job ended: it is no stray any more.
    expect(run.feed({ type: 'jobLookedUp', id: 'd1', jobId: 7, job: job(7, 'd1', 'CANCELLED') })).to.deep.equal([]);
    expect([...straysOf(run.world)]).to.deep.equal([]);
    expect(run.feed({ type: 'jobCancelled', id: 'd1', jobId: 7 })).to.deep.equal([]);
  });

  it('whose cancel Slurm took is not taken back by its deployment created again, even while a later cancel of it backs off', () => {
    const { run } = started();
    // The job says which args it runs: the same args, created again, would take it as theirs.
    const comment = formatJobIdentity({ deploymentId: 'd1', submitId: 'r10', specHash: specHash(canonicalJson(entry('d1').args)) });
    run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
    run.poll(T0 + 10_000, job(7, 'd1', 'PENDING', { comment }));
    expect(ofType(run.feed({ type: 'deploymentDeleted', id: 'd1' }), 'cancelJob')).to.have.length(1);
    run.feed({ type: 'jobCancelled', id: 'd1', jobId: 7 });
    expect(ofType(run.poll(T0 + 20_000, job(7, 'd1', 'PENDING', { comment })), 'cancelJob')).to.have.length(1);
    run.feed({ type: 'cancelFailed', id: 'd1', jobId: 7, failure: SOON });
    const recreated = run.feed({ type: 'deploymentPut', deployment: entry('d1', undefined, 12) });
    expect(ofType(recreated, 'submitJob')).to.deep.equal([]);
    expect(ofType(recreated, 'writeState').map((c) => c.state)).to.deep.equal([g1({ status: 'PENDING', reason: 'waiting for job 7 to end before submitting' })]);
  });

  it('whose cancel failed for now is not cancelled before its backoff is over by a late answer to a cancel sent before it was lost from sight', () => {
    // A backoff of 30 to 60 s, longer than a poll interval.
    const run = strayRun(new Run(true, { ...settings, backoff: { baseMs: 60_000, maxMs: 600_000 } }));
    // A poll misses the job (the stray is dropped), the next shows it again: cancelled again, which fails for now.
    expect(run.poll(T0 + 10_000)).to.deep.equal([]);
    expect(run.poll(T0 + 20_000, job(7, 'd1', 'RUNNING'))).to.deep.equal([cancel7]);
    run.feed({ type: 'cancelFailed', id: 'd1', jobId: 7, failure: SOON });
    // The first cancel's answer comes now: Slurm took it. The job is looked up, and a poll still shows it active.
    expect(run.feed({ type: 'jobCancelled', id: 'd1', jobId: 7 })).to.deep.equal([{ type: 'lookupJob', id: 'd1', jobId: 7 }]);
    expect(run.poll(T0 + 30_000, job(7, 'd1', 'RUNNING'))).to.deep.equal([]);
    expect(ofType(run.feed({ type: 'tick', now: T0 + 81_000 }), 'cancelJob')).to.deep.equal([cancel7]);
  });
});
