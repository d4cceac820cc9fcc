// The answers to a lookup of a job no poll shows any more: the job (from slurmctld or from
// accounting), a job that is not it (another mcs label, a comment naming another deployment or
// submit), or nothing. An answer that is not the job is asked again with backoff and, past the
// bound, ends the deployment FAILED with what was seen: never RUNNING forever.

import { expect } from 'chai';
import type { Command } from '../../../lib/core/commands.js';
import { formatJobIdentity, type SlurmJob } from '../../../lib/core/slurm-job.js';
import { trackedJobOf } from '../../../lib/core/slot.js';
import type { ReducerSettings } from '../../../lib/core/world.js';
import { entry, job, LABEL, settings } from '../../support/fixtures.js';
import { g1, ofType, Run, T0 } from '../../support/reducer-run.js';

const POLICY = { attempts: 3, backoff: { baseMs: 1000, maxMs: 4000 } };
const WITH_ACCOUNTING: ReducerSettings = { ...settings, accounting: true, unmatchedLookup: POLICY };

/** A run whose job 9 of d1 was seen running, then missed by a poll at T0 + 20 s: its lookup is out. */
function lookingUp(s: ReducerSettings = WITH_ACCOUNTING): Run {
  const run = new Run(true, s);
  run.feed({ type: 'configListed', deployments: [entry('d1')], invalid: [] });
  run.poll(T0);
  run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 9 });
  run.poll(T0 + 10_000, job(9, 'd1', 'RUNNING'));
  expect(run.poll(T0 + 20_000)).to.deep.equal([{ type: 'lookupJob', id: 'd1', jobId: 9 }]);
  return run;
}

/**
 * Ticks every 100 ms after `from` (answering the polls it issues with `jobs`) until the run looks
 * job 9 up again; the time it does, and every command issued meanwhile.
 */
function nextLookup(run: Run, from: number, jobs: SlurmJob[] = [], untilMs = 120_000, stepMs = 100): { at: number | undefined; issued: Command[] } {
  const issued: Command[] = [];
  for (let now = from + stepMs; now <= from + untilMs; now += stepMs) {
    const step = run.feed({ type: 'tick', now });
    for (const poll of ofType(step, 'pollJobs')) step.push(...run.feed({ type: 'jobsPolled', pollId: poll.pollId, jobs }));
    issued.push(...step);
    if (step.some((c) => c.type === 'lookupJob' && c.jobId === 9)) return { at: now, issued };
  }
  return { at: undefined, issued };
}

const answer = (found?: SlurmJob) => ({ type: 'jobLookedUp' as const, id: 'd1', jobId: 9, ...(found ? { job: found } : {}) });

const accounting = (base: string, extra: Partial<SlurmJob> = {}, submitId = 'r10'): SlurmJob => job(9, 'd1', base, { source: 'accounting', ...extra }, submitId);

describe('lookup answers', () => {
  describe('an answer that is not the job looked up', () => {
    it('another mcs label from accounting: asked again with backoff, and the third such answer fails the deployment saying what was seen', () => {
      const run = lookingUp();
      const foreign = accounting('COMPLETED', { mcsLabel: 'someone_else', exitCode: { status: 0, signal: 0 } });
      expect(run.feed(answer(foreign)), 'neither written nor asked at once').to.deep.equal([]);
      expect(run.world.polled.get(9), 'not taken for ours').to.equal(undefined);
      const second = nextLookup(run, T0 + 20_000);
      expect(second.at! - T0 - 20_000, 'the first backoff: 0.5-1 s').to.be.within(500, 1000);
      expect(run.feed(answer(foreign))).to.deep.equal([]);
      const third = nextLookup(run, second.at!);
      expect(third.at! - second.at!, 'the second backoff: 1-2 s').to.be.within(1000, 2000);
      expect([...second.issued, ...third.issued].filter((c) => c.type === 'writeState')).to.deep.equal([]);
      const failed = run.feed(answer(foreign));
      expect(ofType(failed, 'writeState').map((c) => c.state)).to.deep.equal([
        g1({
          status: 'FAILED',
          job_id: 9,
          slurm_state: 'RUNNING',
          reason: `job lost: job 9: accounting answered with mcs label "someone_else", not "${LABEL}" (3 lookups in a row)`,
        }),
      ]);
      // Final: no lookup, no write, whatever the polls say after.
      const after = nextLookup(run, third.at!, [], 3_600_000, 1000);
      expect(after.at).to.equal(undefined);
      expect(ofType(after.issued, 'writeState')).to.deep.equal([]);
    });

    it('no mcs label at all, from slurmctld, is named so', () => {
      const run = lookingUp({ ...WITH_ACCOUNTING, unmatchedLookup: { ...POLICY, attempts: 1 } });
      const written = ofType(run.feed(answer(job(9, 'd1', 'RUNNING', { mcsLabel: '' }))), 'writeState');
      expect(written.map((c) => c.state.reason)).to.deep.equal([`job lost: job 9: slurmctld answered with no mcs label, not "${LABEL}" (1 lookup in a row)`]);
    });

    it('a comment naming another deployment, or another submit, is not the job; the job itself is taken when it comes', () => {
      const run = lookingUp();
      const otherDeployment = accounting('COMPLETED', { comment: formatJobIdentity({ deploymentId: 'd2', submitId: 'r10' }) });
      expect(run.feed(answer(otherDeployment))).to.deep.equal([]);
      const second = nextLookup(run, T0 + 20_000);
      expect(run.feed(answer(accounting('COMPLETED', {}, 'r99')))).to.deep.equal([]);
      const third = nextLookup(run, second.at!);
      expect(third.at).to.be.a('number');
      const found = run.feed(answer(accounting('FAILED', { reason: 'NonZeroExitCode', exitCode: { status: 3, signal: 0 } })));
      expect(ofType(found, 'writeState').map((c) => c.state)).to.deep.equal([
        g1({ status: 'FAILED', job_id: 9, slurm_state: 'FAILED', reason: 'NonZeroExitCode', exit_code: 3 }),
      ]);
      expect(trackedJobOf(run.world.slots.get('d1'))?.unmatched).to.equal(undefined);
    });

    it('the messages name what the comment said against what the deployer knows', () => {
      for (const [comment, words] of [
        [formatJobIdentity({ deploymentId: 'd2', submitId: 'r10' }), 'accounting answered with a comment naming deployment "d2", not "d1"'],
        [formatJobIdentity({ deploymentId: 'd1', submitId: 'r99' }), 'accounting answered with a comment naming submit "r99", not "r10"'],
      ] as const) {
        const run = lookingUp({ ...WITH_ACCOUNTING, unmatchedLookup: { ...POLICY, attempts: 1 } });
        const written = ofType(run.feed(answer(accounting('COMPLETED', { comment }))), 'writeState');
        expect(written.map((c) => c.state.reason)).to.deep.equal([`job lost: job 9: ${words} (1 lookup in a row)`]);
      }
    });

    it('the count starts again once the job is seen: only answers in a row fail it', () => {
      const run = lookingUp();
      const foreign = accounting('COMPLETED', { mcsLabel: '' });
      run.feed(answer(foreign));
      const second = nextLookup(run, T0 + 20_000);
      run.feed(answer(foreign));
      const third = nextLookup(run, second.at!);
      // slurmctld answers with the job itself (a poll had only missed it): followed as before.
      expect(run.feed(answer(job(9, 'd1', 'RUNNING')))).to.deep.equal([]);
      expect(trackedJobOf(run.world.slots.get('d1'))).to.include({ missing: undefined, unmatched: undefined });
      // Missed again by the next poll: two answers that are not it do not fail it, the third in a row does.
      const missed = nextLookup(run, third.at!);
      expect(missed.at).to.equal(T0 + 30_000);
      run.feed(answer(foreign));
      const again = nextLookup(run, missed.at!);
      expect(ofType(run.feed(answer(foreign)), 'writeState')).to.deep.equal([]);
      const last = nextLookup(run, again.at!);
      expect(last.at).to.be.a('number');
      expect(ofType(run.feed(answer(foreign)), 'writeState').map((c) => c.state.status)).to.deep.equal(['FAILED']);
    });

    it('a failed lookup between them does not start the count again: the next poll that misses the job asks', () => {
      const run = lookingUp();
      const foreign = accounting('COMPLETED', { mcsLabel: 'x' });
      run.feed(answer(foreign));
      const second = nextLookup(run, T0 + 20_000);
      run.feed(answer(foreign));
      const third = nextLookup(run, second.at!);
      expect(run.feed({ type: 'lookupFailed', id: 'd1', jobId: 9, failure: { kind: 'transient', message: 'timeout' } })).to.deep.equal([]);
      // Asked again by the next poll that misses the job (T0 + 30 s), not by the backoff.
      const fourth = nextLookup(run, third.at!);
      expect(fourth.at).to.equal(T0 + 30_000);
      expect(ofType(run.feed(answer(foreign)), 'writeState').map((c) => c.state.reason)).to.deep.equal([
        'job lost: job 9: accounting answered with mcs label "x", not "sdp_slurm_deployer_test_ns" (3 lookups in a row)',
      ]);
    });

    it('an end a state poll showed stands at the bound, as after a lookup that found the job gone', () => {
      const states: ReducerSettings = { ...WITH_ACCOUNTING, statePollIntervalMs: 3_000, unmatchedLookup: { ...POLICY, attempts: 1 } };
      const run = new Run(true, states);
      run.feed({ type: 'configListed', deployments: [entry('d1')], invalid: [] });
      run.poll(T0);
      run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 9 });
      const [poll] = ofType(run.feed({ type: 'tick', now: T0 + 3_000 }), 'pollStates');
      const ended = run.feed({ type: 'statesPolled', pollId: poll!.pollId, states: [{ jobId: 9, state: { base: 'FAILED', flags: [] } }] });
      // The lookup is for its exit code and reason; the end waits for them before it is written.
      expect(ofType(ended, 'lookupJob')).to.deep.equal([{ type: 'lookupJob', id: 'd1', jobId: 9 }]);
      expect(ofType(ended, 'writeState')).to.deep.equal([]);
      const bound = run.feed(answer(accounting('FAILED', { mcsLabel: '' })));
      expect(ofType(bound, 'writeState').map((c) => c.state)).to.deep.equal([g1({ status: 'FAILED', job_id: 9, slurm_state: 'FAILED' })]);
      expect(trackedJobOf(run.world.slots.get('d1'))?.final).to.deep.equal({ status: 'FAILED', job_id: 9, slurm_state: 'FAILED' });
    });

    it('journals of older versions name no policy: five answers on the reducer backoff', () => {
      const run = lookingUp(settings);
      const foreign = job(9, 'd1', 'RUNNING', { mcsLabel: 'x' });
      let from = T0 + 20_000;
      for (let n = 1; n < 5; n++) {
        expect(ofType(run.feed(answer(foreign)), 'writeState'), `answer ${n}`).to.deep.equal([]);
        const next = nextLookup(run, from);
        expect(next.at, `lookup ${n + 1}`).to.be.a('number');
        from = next.at!;
      }
      expect(ofType(run.feed(answer(foreign)), 'writeState').map((c) => c.state.reason)).to.deep.equal([
        'job lost: job 9: slurmctld answered with mcs label "x", not "sdp_slurm_deployer_test_ns" (5 lookups in a row)',
      ]);
    });

    it('a cancelled job whose confirmation lookup is answered so is asked about again, not forgotten', () => {
      const run = lookingUp();
      run.feed(answer(job(9, 'd1', 'RUNNING')));
      const deleted = run.feed({ type: 'deploymentDeleted', id: 'd1' });
      expect(ofType(deleted, 'cancelJob')).to.deep.equal([{ type: 'cancelJob', id: 'd1', jobId: 9, why: 'deployment removed' }]);
      const confirm = run.feed({ type: 'jobCancelled', id: 'd1', jobId: 9 });
      expect(ofType(confirm, 'lookupJob')).to.deep.equal([{ type: 'lookupJob', id: 'd1', jobId: 9 }]);
      expect(run.feed(answer(job(9, 'd1', 'CANCELLED', { mcsLabel: 'x' })))).to.deep.equal([]);
      const again = nextLookup(run, T0 + 20_000, [job(9, 'd1', 'RUNNING')], 2_000);
      expect(again.at).to.be.a('number');
      expect([...run.world.slots.get('d1')!.strays].map((s) => s.jobId)).to.deep.equal([9]);
    });
  });

  describe('the job itself, and no job', () => {
    it('an accounting record without a comment (no AccountingStoreFlags=job_comment) is matched by its label: its true end is written', () => {
      const run = lookingUp();
      const record = accounting('COMPLETED', { comment: '', exitCode: { status: 0, signal: 0 } });
      expect(ofType(run.feed(answer(record)), 'writeState').map((c) => c.state)).to.deep.equal([g1({ status: 'FINISHED', job_id: 9, slurm_state: 'COMPLETED', exit_code: 0 })]);
    });

    it('a job unknown to both slurmctld and accounting is lost, and the verdict says where it was looked', () => {
      const reasons = (s: ReducerSettings) => ofType(lookingUp(s).feed(answer()), 'writeState').map((c) => c.state.reason);
      expect(reasons(WITH_ACCOUNTING)).to.deep.equal([
        'job lost: it vanished from slurmctld before a terminal state was seen, and Slurm accounting (slurmdbd) has no record of it',
      ]);
      expect(reasons({ ...WITH_ACCOUNTING, accounting: false })).to.deep.equal([
        'job lost: it vanished from slurmctld before a terminal state was seen, and no Slurm accounting (slurmdbd) was there to ask',
      ]);
      // Journals of older versions keep the words they were written with.
      expect(reasons(settings)).to.deep.equal(['job lost: it vanished from Slurm before a terminal state was seen']);
    });

    it('every verdict gives way to an end a poll answered later shows', () => {
      const run = lookingUp({ ...WITH_ACCOUNTING, unmatchedLookup: { ...POLICY, attempts: 1 } });
      const [poll] = ofType(run.feed({ type: 'tick', now: T0 + 30_000 }), 'pollJobs');
      expect(ofType(run.feed(answer(accounting('COMPLETED', { mcsLabel: '' }))), 'writeState').map((c) => c.state.status)).to.deep.equal(['FAILED']);
      const seen = run.feed({ type: 'jobsPolled', pollId: poll!.pollId, jobs: [job(9, 'd1', 'COMPLETED', { exitCode: { status: 0, signal: 0 } })] });
      expect(ofType(seen, 'writeState').map((c) => c.state.status)).to.deep.equal(['FINISHED']);
    });
  });
});
