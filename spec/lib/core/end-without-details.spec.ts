// An end written without its details (Slurm's state, no exit code): what a term writes when the
// lookup asked with a state poll's end finds the job gone from slurmctld (no accounting behind it),
// and what older versions wrote on the state poll's word before the lookup answered. The next term
// asks about the job once more and writes the details Slurm (or its accounting) still has; the end
// stands, as written, when Slurm has forgotten the job. Never "job lost", never a second job, never
// a cancel.

import { expect } from 'chai';
import { canonicalJson } from '../../../lib/core/canonical-json.js';
import type { Command } from '../../../lib/core/commands.js';
import type { DeploymentState } from '../../../lib/core/deployment-state.js';
import type { DeployerEvent } from '../../../lib/core/events.js';
import type { SlurmJob } from '../../../lib/core/slurm-job.js';
import { specHash } from '../../../lib/core/spec-hash.js';
import { entry, job } from '../../support/fixtures.js';
import { ofType, T0 } from '../../support/reducer-run.js';
import { isPoll, StateRun } from '../../support/state-run.js';

const ARGS = { script: '#!/bin/bash\ntrue\n' };
const SPEC = specHash(canonicalJson(ARGS));
const listed = (priorState?: DeploymentState): DeployerEvent => ({
  type: 'configListed',
  deployments: [{ ...entry('d1', ARGS), ...(priorState ? { priorState } : {}) }],
  invalid: [],
  watermark: { floor: 5, clean: true },
});
const ours = (base: string, extra: Partial<SlurmJob> = {}): SlurmJob =>
  job(7, 'd1', base, { comment: `sdp-slurm-deployer:deployment=d1;submit=r10;spec=${SPEC}`, ...extra });
const FAILED_3 = ours('FAILED', { exitCode: { status: 3, signal: 0 }, source: 'accounting' });

/**
 * Term 1: submits, sees the end in a state poll and asks for the details, writing nothing of the
 * end before they come; the lookup finds the job gone, so the end is written as the poll showed it.
 */
function firstTermsLastWord(): DeploymentState {
  const one = new StateRun();
  one.feed(listed());
  one.poll(T0);
  one.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
  const ended = one.poll(T0 + 3_000, ours('FAILED', { exitCode: { status: 3, signal: 0 } }));
  expect(ofType(ended, 'lookupJob'), 'term 1 asks for the details').to.have.length(1);
  expect(ofType(ended, 'writeState').map((c) => c.state.status), 'no end written before they come').to.not.include('FAILED');
  const gone = one.feed({ type: 'jobLookedUp', id: 'd1', jobId: 7 });
  const written = ofType(gone, 'writeState').at(-1)?.state;
  expect(written, 'the end as the poll showed it, once Slurm has forgotten the job').to.include({ status: 'FAILED', job_id: 7, slurm_state: 'FAILED' });
  expect(written?.exit_code).to.equal(undefined);
  // The run leaves the args hash out of the writes it shows (reducer-run.ts withoutSpec): the state stored has it.
  return { ...written!, spec: SPEC };
}

/** Term 2 from that state, up to its first poll, answered with `shown`. */
function secondTerm(prior: DeploymentState, ...shown: SlurmJob[]): { run: StateRun; issued: Command[] } {
  const run = new StateRun();
  const issued = run.feed(listed(prior));
  const polled = run.feed({ type: 'tick', now: T0 + 60_000 });
  issued.push(...polled.filter((c) => !isPoll(c)), ...run.answerPoll(polled, shown));
  return { run, issued };
}

describe('an end written without its details, then a new term', () => {
  it('asks Slurm about the job again and writes the exit code accounting has, once the job aged out of slurmctld', () => {
    const { run, issued } = secondTerm(firstTermsLastWord());
    expect(ofType(issued, 'writeState'), 'nothing new is known before the answer').to.deep.equal([]);
    expect(ofType(issued, 'lookupJob')).to.deep.equal([{ type: 'lookupJob', id: 'd1', jobId: 7 }]);
    const answered = run.feed({ type: 'jobLookedUp', id: 'd1', jobId: 7, job: FAILED_3 });
    expect(ofType(answered, 'writeState').map((c) => c.state)).to.deep.equal([{ status: 'FAILED', job_id: 7, slurm_state: 'FAILED', exit_code: 3, generation: 1 }]);
    expect(ofType([...issued, ...answered], 'submitJob')).to.deep.equal([]);
    expect(ofType([...issued, ...answered], 'cancelJob')).to.deep.equal([]);
  });

  it('asks for the details of a job slurmctld still shows ended without them', () => {
    const { run, issued } = secondTerm(firstTermsLastWord(), ours('FAILED'));
    expect(ofType(issued, 'lookupJob')).to.have.length(1);
    const answered = run.feed({ type: 'jobLookedUp', id: 'd1', jobId: 7, job: ours('FAILED', { exitCode: { status: 3, signal: 0 } }) });
    expect(ofType(answered, 'writeState').map((c) => c.state.exit_code)).to.deep.equal([3]);
  });

  it('keeps the end as written when Slurm has forgotten the job: no verdict of a lost job, no write, no submit', () => {
    const { run, issued } = secondTerm(firstTermsLastWord());
    const answered = run.feed({ type: 'jobLookedUp', id: 'd1', jobId: 7 });
    const later = run.feed({ type: 'tick', now: T0 + 200_000 });
    const all = [...issued, ...answered, ...later];
    expect(ofType(all, 'writeState')).to.deep.equal([]);
    expect(ofType(all, 'submitJob')).to.deep.equal([]);
    expect(ofType(later, 'lookupJob'), 'asked once').to.deep.equal([]);
  });

  it('keeps the end when the answers are another job (ids reused): it is not this deployment\'s to judge lost', () => {
    const prior = firstTermsLastWord();
    const { run } = secondTerm(prior);
    let writes: Command[] = [];
    for (let i = 0, now = T0 + 60_000; i < 12; i++, now += 120_000) {
      run.feed({ type: 'jobLookedUp', id: 'd1', jobId: 7, job: job(7, 'other', 'COMPLETED', { mcsLabel: '' }) });
      writes = [...writes, ...ofType(run.feed({ type: 'tick', now }), 'writeState')];
    }
    expect(writes).to.deep.equal([]);
  });

  it('cancels nothing when the deployment is deleted before the answer: its job had ended', () => {
    const { run, issued } = secondTerm(firstTermsLastWord());
    expect(ofType(issued, 'lookupJob')).to.have.length(1);
    const deleted = run.feed({ type: 'deploymentDeleted', id: 'd1' });
    const answered = run.feed({ type: 'jobLookedUp', id: 'd1', jobId: 7, job: FAILED_3 });
    expect(ofType([...deleted, ...answered], 'cancelJob')).to.deep.equal([]);
  });

  it('takes a whole end (with its exit code) or a verdict of a lost job as final: nothing asked', () => {
    for (const prior of [
      { status: 'FAILED', job_id: 7, slurm_state: 'FAILED', exit_code: 3, generation: 1, spec: SPEC },
      { status: 'FAILED', job_id: 7, slurm_state: 'RUNNING', reason: 'job lost: it vanished from slurmctld before a terminal state was seen', generation: 1, spec: SPEC },
    ] as DeploymentState[]) {
      const { issued } = secondTerm(prior);
      expect(ofType(issued, 'lookupJob'), prior.reason ?? 'exit code').to.deep.equal([]);
      expect(ofType(issued, 'writeState')).to.deep.equal([]);
      expect(ofType(issued, 'submitJob')).to.deep.equal([]);
    }
  });
});

describe('an end a state poll shows, before its details come', () => {
  /** One term up to the state poll that shows the job ended (no exit code: a state poll has none). */
  function endSeen(): { run: StateRun; ended: Command[] } {
    const run = new StateRun();
    run.feed(listed());
    run.poll(T0);
    run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
    run.poll(T0 + 3_000, ours('RUNNING'));
    return { run, ended: run.poll(T0 + 6_000, ours('FAILED')) };
  }
  const statuses = (commands: Command[]) => ofType(commands, 'writeState').map((c) => c.state.status);

  it('is written once, with the exit code the lookup brings: a reader never sees a bare FAILED', () => {
    const { run, ended } = endSeen();
    expect(ofType(ended, 'lookupJob')).to.deep.equal([{ type: 'lookupJob', id: 'd1', jobId: 7 }]);
    expect(statuses(ended), 'RUNNING stands meanwhile').to.deep.equal([]);
    const answered = run.feed({ type: 'jobLookedUp', id: 'd1', jobId: 7, job: FAILED_3 });
    expect(ofType(answered, 'writeState').map((c) => c.state)).to.deep.equal([
      { status: 'FAILED', job_id: 7, slurm_state: 'FAILED', exit_code: 3, generation: 1 },
    ]);
  });

  it('waits out a failed lookup, and is asked about again at the next state poll', () => {
    const { run } = endSeen();
    const failed = run.feed({ type: 'lookupFailed', id: 'd1', jobId: 7, failure: { kind: 'transient', message: 'timeout' } });
    const again = run.poll(T0 + 9_000, ours('FAILED'));
    expect(statuses([...failed, ...again])).to.deep.equal([]);
    expect(ofType(again, 'lookupJob')).to.have.length(1);
    const answered = run.feed({ type: 'jobLookedUp', id: 'd1', jobId: 7, job: FAILED_3 });
    expect(ofType(answered, 'writeState').map((c) => c.state.exit_code)).to.deep.equal([3]);
  });
});
