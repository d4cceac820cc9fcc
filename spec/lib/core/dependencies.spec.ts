// Ordering between deployments (issue 21 item 3): a deployment naming others in after_ok and the
// like waits for their jobs, is submitted with Slurm dependencies on them, and fails when a
// dependency can never be met.

import { expect } from 'chai';
import type { Command } from '../../../lib/core/commands.js';
import { decodeSlurmArgs } from '../../../lib/core/deployment-args.js';
import { desiredOf } from '../../../lib/core/desired.js';
import { stateOfJob } from '../../../lib/core/job-observation.js';
import { entry, job } from '../../support/fixtures.js';
import { ofType, Run, started, stored, T0 } from '../../support/reducer-run.js';
import { StateRun } from '../../support/state-run.js';

const script = '#!/bin/bash\ntrue\n';
const after = (fields: Record<string, unknown>) => ({ script, ...fields });
const submits = (commands: Command[]) => ofType(commands, 'submitJob');
const statesOf = (commands: Command[], id: string) => ofType(commands, 'writeState').filter((c) => c.id === id).map((c) => c.state);
const lastState = (run: Run, id: string) => statesOf(run.commands, id).at(-1);

describe('dependencies between deployments', () => {
  describe('args', () => {
    it('take lists of deployment ids and Slurm\'s own dependency text', () => {
      const args = after({ after_ok: ['a', 'b'], after_any: ['c'], after_not_ok: ['d'], after: ['e'], dependency: 'afterok:12:13_2,singleton' });
      expect(decodeSlurmArgs(args)).to.deep.equal({ ok: true, args });
    });

    const bad: Array<[string, Record<string, unknown>, RegExp]> = [
      ['an empty list', { after_ok: [] }, /^args\.after_ok: expected a non-empty list of distinct deployment ids/],
      ['an id twice', { after_any: ['a', 'a'] }, /^args\.after_any: expected a non-empty list of distinct/],
      ['an id with a slash', { after: ['a/b'] }, /^args\.after: expected/],
      ['not a list', { after_ok: 'a' }, /^args\.after_ok: expected/],
      ['a dependency Slurm does not read', { dependency: 'afterok:x' }, /^args\.dependency: expected Slurm's dependency list/],
      ['"?" beside the lists', { after_ok: ['a'], dependency: 'afterok:1?afterok:2' }, /^args\.dependency: "\?" \(any of\) cannot be joined/],
      ['a misspelt field', { afterok: ['a'] }, /^args\.afterok: unknown field; did you mean after_ok\?/],
    ];
    for (const [what, fields, reason] of bad) {
      it(`refuse ${what}`, () => {
        const decoded = decodeSlurmArgs(after(fields));
        expect(decoded.ok).to.equal(false);
        if (!decoded.ok) expect(decoded.reason).to.match(reason);
      });
    }

    it('refuse a deployment that depends on itself', () => {
      expect(desiredOf({ ...entry('a', after({ after_ok: ['b', 'a'] })) }).invalid).to.equal('args.after_ok: a deployment cannot depend on itself');
    });

    it('read --dependency and -d from #SBATCH lines, args winning', () => {
      const decoded = decodeSlurmArgs({ script: '#!/bin/bash\n#SBATCH -d afterany:7\n#SBATCH --dependency=afterok:8\ntrue\n' });
      expect(decoded.ok && decoded.args.dependency).to.equal('afterok:8');
      const won = decodeSlurmArgs({ script: '#!/bin/bash\n#SBATCH -d afterany:7\ntrue\n', dependency: 'after:9' });
      expect(won.ok && won.args.dependency).to.equal('after:9');
    });
  });

  describe('in the reducer', () => {
    it('waits for a dependency without a job, saying so, and submits with its job id once it has one', () => {
      const { run, first } = started([entry('a'), entry('b', after({ after_ok: ['a'] }))]);
      expect(submits(first).map((c) => c.id)).to.deep.equal(['a']);
      expect(statesOf(first, 'b')).to.deep.equal([{ status: 'PENDING', reason: 'waiting for its dependencies before submitting: a (after_ok) has no job yet', generation: 1 }]);
      const answered = run.feed({ type: 'jobSubmitted', id: 'a', submitId: 'r10', jobId: 41 });
      const [b] = submits(answered);
      expect(b?.id).to.equal('b');
      expect(b?.spec.options).to.deep.include({ dependency: 'afterok:41', kill_on_invalid_dependency: true });
      expect(statesOf(answered, 'b')).to.deep.equal([{ status: 'PENDING', generation: 1 }]);
    });

    it('writes the lists in a fixed order, each with its jobs, then the args\' own dependency', () => {
      const { run } = started([entry('a'), entry('b'), entry('c', after({ after_any: ['b'], after_ok: ['a', 'b'], dependency: 'afterok:5' }))]);
      run.feed({ type: 'jobSubmitted', id: 'b', submitId: 'r10', jobId: 42 });
      const issued = run.feed({ type: 'jobSubmitted', id: 'a', submitId: 'r10', jobId: 41 });
      expect(submits(issued).map((c) => c.spec.options?.dependency)).to.deep.equal(['afterok:41:42,afterany:42,afterok:5']);
    });

    it('leaves out a dependency whose job ended as the condition wants, and fails at once on one that ended otherwise', () => {
      const { run } = started([entry('a'), entry('b')], [job(41, 'a', 'COMPLETED', { exitCode: { status: 0, signal: 0 } }), job(42, 'b', 'FAILED')]);
      const ok = run.feed({ type: 'deploymentPut', deployment: entry('c', after({ after_ok: ['a'], after_any: ['b'] }), 11) });
      expect(submits(ok).map((c) => c.spec.options)).to.deep.equal([{ kill_on_invalid_dependency: true }]);
      const never = run.feed({ type: 'deploymentPut', deployment: entry('d', after({ after_ok: ['b'] }), 12) });
      expect(submits(never)).to.deep.equal([]);
      expect(statesOf(never, 'd')).to.deep.equal([
        { status: 'FAILED', reason: 'dependency failed: b (after_ok): its job 42 ended FAILED, so after_ok can never be met', generation: 1 },
      ]);
    });

    it('fails a deployment whose dependency failed without a job, and the one that depends on that, in turn', () => {
      const { first } = started([entry('a', { script }), entry('b', after({ after_ok: ['bad'] })), entry('bad', { bogus: 1 }), entry('c', after({ after_ok: ['b'] }))]);
      expect(submits(first).map((c) => c.id)).to.deep.equal(['a']);
      expect(statesOf(first, 'b').at(-1)?.reason).to.match(/^dependency failed: bad \(after_ok\) failed without a job: args\.bogus: unknown field/);
      expect(statesOf(first, 'c').at(-1)).to.deep.include({ status: 'FAILED' });
      expect(statesOf(first, 'c').at(-1)?.reason).to.match(/^dependency failed: b \(after_ok\) failed without a job: dependency failed: bad/);
    });

    it('fails a waiting deployment whose dependency is deleted', () => {
      const { run } = started([entry('a', after({ after_ok: ['x'] })), entry('b', after({ after_any: ['a'] }))]);
      expect(lastState(run, 'b')?.status).to.equal('PENDING');
      run.feed({ type: 'deploymentDeleted', id: 'a' });
      expect(lastState(run, 'b')).to.deep.equal({ status: 'FAILED', reason: 'dependency failed: a (after_any) was deleted', generation: 1 });
    });

    it('waits for an unknown id up to the bound, then fails; one that comes in time is waited for as any other', () => {
      const { run } = started([entry('late', after({ after_ok: ['x'] })), entry('never', after({ after_ok: ['y'] }))]);
      expect(lastState(run, 'never')?.reason).to.equal(
        `waiting for its dependencies before submitting: y (after_ok) is no slurm deployment (yet); FAILED at ${new Date(T0 + 600_000).toISOString()} unless y comes`,
      );
      run.feed({ type: 'tick', now: T0 + 300_000 }, { type: 'deploymentPut', deployment: entry('x', { script }, 20) });
      expect(lastState(run, 'late')?.reason).to.equal('waiting for its dependencies before submitting: x (after_ok) has no job yet');
      run.feed({ type: 'tick', now: T0 + 599_999 });
      expect(lastState(run, 'never')?.status).to.equal('PENDING');
      run.feed({ type: 'tick', now: T0 + 600_000 });
      expect(lastState(run, 'never')).to.deep.equal({ status: 'FAILED', reason: 'dependency failed: y: no slurm deployment of that id within 10 minutes', generation: 1 });
      expect(lastState(run, 'late')?.status).to.equal('PENDING');
    });

    it('fails deployments that wait for one another, naming the cycle', () => {
      const { first } = started([entry('a', after({ after_ok: ['b'] })), entry('b', after({ after_any: ['c'] })), entry('c', after({ after: ['a'] }))]);
      expect(submits(first)).to.deep.equal([]);
      expect(statesOf(first, 'a').at(-1)?.reason).to.equal('dependency failed: a cycle: a -> b -> c -> a');
      for (const id of ['b', 'c']) expect(statesOf(first, id).at(-1)?.status).to.equal('FAILED');
    });

    it('remembers after a restart that the dependencies of these args could never be met, and waits again for new args', () => {
      const args = after({ after_ok: ['gone'] });
      const failed = stored({ status: 'FAILED', reason: 'dependency failed: gone (after_ok) was deleted' }, args);
      const { run, first } = started([{ ...entry('c', args), priorState: failed }]);
      expect(first).to.deep.equal([]);
      const changed = run.feed({ type: 'deploymentPut', deployment: entry('c', after({ after_ok: ['gone'], time_limit: 5 }), 30) });
      expect(statesOf(changed, 'c').at(-1)).to.deep.include({ status: 'PENDING', generation: 2 });
    });

    it('treats a changed dependency list as a changed spec: a new generation, its job replaced', () => {
      const { run } = started([entry('a'), entry('b'), entry('c', after({ after_ok: ['a'] }))], [job(41, 'a', 'RUNNING'), job(42, 'b', 'RUNNING'), job(43, 'c', 'PENDING')]);
      const issued = run.feed({ type: 'deploymentPut', deployment: entry('c', after({ after_ok: ['a', 'b'] }), 20) });
      expect(ofType(issued, 'cancelJob')).to.deep.equal([{ type: 'cancelJob', id: 'c', jobId: 43, why: 'replaced' }]);
      run.feed({ type: 'jobCancelled', id: 'c', jobId: 43 });
      const after2 = run.poll(T0 + 10_000, job(41, 'a', 'RUNNING'), job(42, 'b', 'RUNNING'), job(43, 'c', 'CANCELLED'));
      expect(submits(after2).map((c) => [c.submitId, c.spec.options?.dependency])).to.deep.equal([['r20', 'afterok:41:42']]);
    });

    it("after a restart, names in the dependency the job its dependency's state names, once a poll showed it", () => {
      const run = new Run();
      run.feed({
        type: 'configListed',
        deployments: [{ ...entry('a'), priorState: stored({ status: 'RUNNING', job_id: 41, slurm_state: 'RUNNING' }) }, entry('b', after({ after_ok: ['a'] }))],
        invalid: [],
      });
      const first = run.poll(T0, job(41, 'a', 'RUNNING'));
      expect(submits(first).map((c) => c.spec.options?.dependency)).to.deep.equal(['afterok:41']);
    });
  });

  describe('with state polls', () => {
    it('judges an end a state poll showed, before its lookup answered: a dependent put then fails at once, naming it', () => {
      const run = new StateRun();
      run.feed({ type: 'configListed', deployments: [entry('a')], invalid: [], watermark: { floor: 5, clean: true } });
      run.poll(T0);
      run.feed({ type: 'jobSubmitted', id: 'a', submitId: 'r10', jobId: 41 });
      const ended = run.poll(T0 + 3_000, job(41, 'a', 'FAILED'));
      expect(ofType(ended, 'lookupJob').map((c) => c.jobId), 'the end is asked about').to.deep.equal([41]);
      const put = run.feed({ type: 'deploymentPut', deployment: entry('c', after({ after_ok: ['a'] }), 20) });
      expect(submits(put)).to.deep.equal([]);
      expect(statesOf(put, 'c').at(-1)?.reason).to.equal('dependency failed: a (after_ok): its job 41 ended FAILED, so after_ok can never be met');
    });
  });

  describe('a job whose dependency can never be met', () => {
    it('is FAILED once Slurm cancelled it for that, PENDING with Slurm\'s reason while it keeps it', () => {
      expect(stateOfJob(job(9, 'c', 'CANCELLED', { reason: 'DependencyNeverSatisfied' }))).to.deep.include({ status: 'FAILED', slurm_state: 'CANCELLED' });
      expect(stateOfJob(job(9, 'c', 'CANCELLED', { reason: 'DependencyNeverSatisfied' })).reason).to.match(/^DependencyNeverSatisfied: .*Slurm cancelled it$/);
      expect(stateOfJob(job(9, 'c', 'PENDING', { reason: 'DependencyNeverSatisfied' }))).to.deep.include({ status: 'PENDING', reason: 'DependencyNeverSatisfied' });
      expect(stateOfJob(job(9, 'c', 'CANCELLED', { reason: 'None' })).status).to.equal('CANCELLED');
    });
  });
});
