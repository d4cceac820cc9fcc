import { expect } from 'chai';
import { canonicalJson } from '../../../lib/core/canonical-json.js';
import { formatJobIdentity } from '../../../lib/core/slurm-job.js';
import { specHash } from '../../../lib/core/spec-hash.js';
import { createReducer } from '../../../lib/core/reducer.js';
import { initialWorld, removalsOf, straysOf } from '../../../lib/core/world.js';
import { entry, job, LABEL, settings } from '../../support/fixtures.js';
import { g1, ofType, Run, started, stored, T0 } from '../../support/reducer-run.js';

describe('reducer', () => {
  describe('start', () => {
    it('decides nothing before the Config DB is listed and Slurm polled', () => {
      const run = new Run();
      const before = run.feed({ type: 'tick', now: T0 });
      expect(before.map((c) => c.type)).to.deep.equal(['pollJobs']);
      expect(run.feed({ type: 'jobsPolled', pollId: 1, jobs: [] })).to.deep.equal([]);
      const after = run.feed({ type: 'configListed', deployments: [entry('d1')], invalid: [] });
      expect(after.map((c) => c.type)).to.deep.equal(['submitJob', 'writeState']);
    });

    it('adopts a labelled job of a listed deployment instead of submitting again', () => {
      const { first } = started([entry('d1')], [job(41, 'd1', 'RUNNING')]);
      expect(ofType(first, 'submitJob')).to.deep.equal([]);
      expect(ofType(first, 'writeState')).to.deep.equal([{ type: 'writeState', id: 'd1', state: g1({ status: 'RUNNING', job_id: 41, slurm_state: 'RUNNING' }) }]);
    });

    it('keeps the oldest of two active jobs of one deployment, cancels the other and says so', () => {
      const { first } = started([entry('d1')], [job(52, 'd1', 'RUNNING'), job(51, 'd1', 'PENDING')]);
      expect(ofType(first, 'submitJob')).to.deep.equal([]);
      expect(ofType(first, 'cancelJob')).to.deep.equal([{ type: 'cancelJob', id: 'd1', jobId: 52, why: 'duplicate' }]);
      expect(ofType(first, 'writeState').map((c) => c.state)).to.deep.equal([
        { status: 'PENDING', job_id: 51, slurm_state: 'PENDING', generation: 1, duplicate_jobs: [52] },
      ]);
    });

    it('lets no poll sent before a lookup answered undo what the lookup saw: a cancelled duplicate stays cancelled', () => {
      const { run } = started([entry('d1')], [job(52, 'd1', 'RUNNING'), job(51, 'd1', 'PENDING')]);
      // A poll goes out while the duplicate is being cancelled...
      const poll = ofType(run.feed({ type: 'tick', now: T0 + 10_000 }), 'pollJobs')[0];
      if (poll === undefined) throw new Error('no poll');
      const cancelled = run.feed({ type: 'jobCancelled', id: 'd1', jobId: 52 });
      expect(ofType(cancelled, 'lookupJob')).to.deep.equal([{ type: 'lookupJob', id: 'd1', jobId: 52 }]);
      run.feed({ type: 'jobLookedUp', id: 'd1', jobId: 52, job: job(52, 'd1', 'CANCELLED') });
      // ...and answers after the lookup, with the job as it was when the poll was sent.
      const stale = run.feed({ type: 'jobsPolled', pollId: poll.pollId, jobs: [job(52, 'd1', 'RUNNING'), job(51, 'd1', 'PENDING')] });
      expect(ofType(stale, 'cancelJob')).to.deep.equal([]);
      expect(run.world.polled.get(52)?.state.base).to.equal('CANCELLED');
      // A poll sent after the lookup is believed again: the job aged out, and nothing is asked of it.
      const later = run.poll(T0 + 80_000, job(51, 'd1', 'PENDING'));
      expect(later.filter((c) => 'jobId' in c && c.jobId === 52)).to.deep.equal([]);
      expect(run.world.lookedUp.size).to.equal(0);
    });

    it('follows the job named in the state it wrote before a restart, and keeps a finished one finished', () => {
      const run = new Run();
      const finished = { ...entry('done'), priorState: stored({ status: 'FINISHED', job_id: 3, slurm_state: 'COMPLETED', exit_code: 0 }) };
      const running = { ...entry('busy'), priorState: stored({ status: 'RUNNING', job_id: 4, slurm_state: 'RUNNING' }) };
      run.feed({ type: 'configListed', deployments: [finished, running], invalid: [] });
      // Job 3 aged out of Slurm long ago; job 4 still runs.
      const first = run.poll(T0, job(4, 'busy', 'RUNNING'));
      expect(first).to.deep.equal([]);
    });

    it('cancels an active job of an older spec, then submits the current one', () => {
      const { run, first } = started([entry('d1', { script: 'new' }, 20)], [job(51, 'd1', 'RUNNING', {}, 'r3')]);
      expect(ofType(first, 'submitJob')).to.deep.equal([]);
      expect(ofType(first, 'cancelJob')).to.deep.equal([{ type: 'cancelJob', id: 'd1', jobId: 51, why: 'replaced' }]);
      run.feed({ type: 'jobCancelled', id: 'd1', jobId: 51 });
      const after = run.poll(T0 + 10_000, job(51, 'd1', 'CANCELLED', {}, 'r3'));
      expect(ofType(after, 'submitJob').map((c) => c.submitId)).to.deep.equal(['r20']);
    });
  });

  describe('a deployment runs to its end', () => {
    it('submits once, follows the job and writes each state once', () => {
      const { run, first } = started();
      const [submit] = ofType(first, 'submitJob');
      expect(submit?.spec).to.include({ name: 'd1', mcsLabel: LABEL });
      expect(ofType(first, 'writeState').map((c) => c.state)).to.deep.equal([g1({ status: 'PENDING' })]);

      // A second event while the submit is in flight submits nothing.
      expect(ofType(run.poll(T0 + 10_000), 'submitJob')).to.deep.equal([]);

      const submitted = run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
      expect(submitted).to.deep.equal([{ type: 'writeState', id: 'd1', state: g1({ status: 'PENDING', job_id: 7 }) }]);

      expect(ofType(run.poll(T0 + 20_000, job(7, 'd1', 'RUNNING')), 'writeState').map((c) => c.state.status)).to.deep.equal(['RUNNING']);
      expect(run.poll(T0 + 30_000, job(7, 'd1', 'RUNNING'))).to.deep.equal([]);
      const done = run.poll(T0 + 40_000, job(7, 'd1', 'COMPLETED', { exitCode: { status: 0, signal: 0 } }));
      expect(ofType(done, 'writeState').map((c) => c.state)).to.deep.equal([g1({ status: 'FINISHED', job_id: 7, slurm_state: 'COMPLETED', exit_code: 0 })]);
      // Aged out of Slurm (MinJobAge): still FINISHED, nothing written, nothing submitted.
      expect(run.poll(T0 + 50_000)).to.deep.equal([]);
      expect(ofType(run.commands, 'submitJob')).to.have.length(1);
    });

    it('reports a job that exits non-zero as FAILED with its exit code', () => {
      const { run } = started();
      run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 8 });
      const failed = run.poll(T0 + 10_000, job(8, 'd1', 'FAILED', { reason: 'NonZeroExitCode', exitCode: { status: 3, signal: 0 } }));
      expect(ofType(failed, 'writeState').map((c) => c.state)).to.deep.equal([
        g1({ status: 'FAILED', job_id: 8, slurm_state: 'FAILED', reason: 'NonZeroExitCode', exit_code: 3 }),
      ]);
    });

    it('keeps a terminal state even if Slurm later says otherwise', () => {
      const { run } = started();
      run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 8 });
      run.poll(T0 + 10_000, job(8, 'd1', 'COMPLETED'));
      expect(run.poll(T0 + 20_000, job(8, 'd1', 'RUNNING'))).to.deep.equal([]);
    });

    it('a poll issued before the submit answered cannot prove the job missing', () => {
      const { run } = started();
      const tick = run.feed({ type: 'tick', now: T0 + 10_000 });
      const [poll] = ofType(tick, 'pollJobs');
      run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 9 });
      const stale = run.feed({ type: 'jobsPolled', pollId: poll!.pollId, jobs: [] });
      expect(ofType(stale, 'writeState')).to.deep.equal([]);
      // A poll issued afterwards that does not show it: look it up once, by id.
      expect(run.poll(T0 + 20_000)).to.deep.equal([{ type: 'lookupJob', id: 'd1', jobId: 9 }]);
      expect(run.poll(T0 + 30_000)).to.deep.equal([]);
      // Slurm does not know it: the job is lost, never FINISHED.
      const lost = ofType(run.feed({ type: 'jobLookedUp', id: 'd1', jobId: 9 }), 'writeState');
      expect(lost.map((c) => c.state.status)).to.deep.equal(['FAILED']);
      expect(lost[0]?.state.reason).to.match(/^job lost/);
    });

    it('takes the state a lookup finds for a job missing from the poll', () => {
      const { run } = started();
      run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 9 });
      run.poll(T0 + 10_000, job(9, 'd1', 'RUNNING'));
      expect(run.poll(T0 + 20_000)).to.deep.equal([{ type: 'lookupJob', id: 'd1', jobId: 9 }]);
      const found = run.feed({ type: 'jobLookedUp', id: 'd1', jobId: 9, job: job(9, 'd1', 'COMPLETED', { exitCode: { status: 0, signal: 0 } }) });
      expect(ofType(found, 'writeState').map((c) => c.state.status)).to.deep.equal(['FINISHED']);
    });

    it('looks a missing job up again after a failed lookup, at the next poll', () => {
      const { run } = started();
      run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 9 });
      run.poll(T0 + 10_000, job(9, 'd1', 'RUNNING'));
      run.poll(T0 + 20_000);
      expect(run.feed({ type: 'lookupFailed', id: 'd1', jobId: 9, failure: { kind: 'transient', message: 'timeout' } })).to.deep.equal([]);
      expect(run.poll(T0 + 30_000)).to.deep.equal([{ type: 'lookupJob', id: 'd1', jobId: 9 }]);
    });
  });

  describe('deletion', () => {
    it('cancels the job of a deleted deployment, once, and writes no state for it', () => {
      const { run } = started();
      run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
      run.poll(T0 + 10_000, job(7, 'd1', 'RUNNING'));
      const deleted = run.feed({ type: 'deploymentDeleted', id: 'd1' });
      expect(deleted).to.deep.equal([{ type: 'cancelJob', id: 'd1', jobId: 7, why: 'deployment removed' }]);
      run.feed({ type: 'jobCancelled', id: 'd1', jobId: 7 });
      // The job gets time to end before it is asked again.
      expect(run.feed({ type: 'tick', now: T0 + 15_000 })).to.deep.equal([]);
      expect(ofType(run.poll(T0 + 20_000, job(7, 'd1', 'CANCELLED')), 'cancelJob')).to.deep.equal([]);
      expect([...straysOf(run.world)]).to.deep.equal([]);
      expect(ofType(run.commands, 'writeState').filter((c) => c.state.status !== 'PENDING' && c.state.status !== 'RUNNING')).to.deep.equal([]);
    });

    it('cancels the job of a deployment deleted while its submit was in flight, when the id arrives', () => {
      const { run } = started();
      expect(run.feed({ type: 'deploymentDeleted', id: 'd1' })).to.deep.equal([]);
      expect(run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 12 })).to.deep.equal([
        { type: 'cancelJob', id: 'd1', jobId: 12, why: 'deployment removed' },
      ]);
    });

    it('retries a failed cancel after a backoff', () => {
      const { run } = started([], [job(5, 'gone', 'RUNNING')]);
      expect(ofType(run.commands, 'cancelJob')).to.deep.equal([{ type: 'cancelJob', id: 'gone', jobId: 5, why: 'deployment removed' }]);
      run.feed({ type: 'cancelFailed', id: 'gone', jobId: 5, failure: { kind: 'transient', message: 'connection refused' } });
      expect(run.feed({ type: 'tick', now: T0 + 100 })).to.deep.equal([]);
      expect(ofType(run.feed({ type: 'tick', now: T0 + 1000 }), 'cancelJob')).to.have.length(1);
    });
  });

  describe('the state of a deleted deployment', () => {
    it('is removed once its job has ended, not before', () => {
      const { run } = started();
      run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
      run.poll(T0 + 10_000, job(7, 'd1', 'RUNNING'));
      expect(ofType(run.feed({ type: 'deploymentDeleted', id: 'd1' }), 'deleteState')).to.deep.equal([]);
      run.feed({ type: 'jobCancelled', id: 'd1', jobId: 7 });
      expect(ofType(run.poll(T0 + 20_000, job(7, 'd1', 'RUNNING')), 'deleteState')).to.deep.equal([]);
      expect(run.poll(T0 + 30_000, job(7, 'd1', 'CANCELLED'))).to.deep.equal([{ type: 'deleteState', id: 'd1' }]);
      run.feed({ type: 'stateDeleted', id: 'd1' });
      expect([...removalsOf(run.world)]).to.deep.equal([]);
    });

    it('waits for the answer of a submit in flight at deletion, and for that job to end', () => {
      const { run } = started();
      expect(run.feed({ type: 'deploymentDeleted', id: 'd1' })).to.deep.equal([]);
      expect(run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 12 }).map((c) => c.type)).to.deep.equal(['cancelJob']);
      run.feed({ type: 'jobCancelled', id: 'd1', jobId: 12 });
      expect(run.poll(T0 + 10_000, job(12, 'd1', 'CANCELLED'))).to.deep.equal([{ type: 'deleteState', id: 'd1' }]);
    });

    it('is kept when the deployment is created again meanwhile, or when configured to keep it', () => {
      const { run } = started();
      run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
      run.feed({ type: 'deploymentDeleted', id: 'd1' });
      run.feed({ type: 'deploymentPut', deployment: entry('d1', { script: 'again' }, 30) });
      run.feed({ type: 'jobCancelled', id: 'd1', jobId: 7 });
      run.poll(T0 + 10_000, job(7, 'd1', 'CANCELLED'));
      expect(ofType(run.commands, 'deleteState')).to.deep.equal([]);

      const keep = createReducer({ ...settings, keepStateOfDeleted: true });
      let world = keep(initialWorld, { type: 'configListed', deployments: [entry('d2')], invalid: [] }).world;
      world = keep(world, { type: 'tick', now: T0 }).world;
      world = keep(world, { type: 'jobsPolled', pollId: 1, jobs: [] }).world;
      world = keep(world, { type: 'submitFailed', id: 'd2', submitId: 'r10', failure: { kind: 'permanent', message: 'no' } }).world;
      expect(keep(world, { type: 'deploymentDeleted', id: 'd2' }).commands).to.deep.equal([]);
    });

    it('is removed again later when removing it failed', () => {
      const { run } = started();
      run.feed({ type: 'submitFailed', id: 'd1', submitId: 'r10', failure: { kind: 'permanent', message: 'bad partition' } });
      expect(run.feed({ type: 'deploymentDeleted', id: 'd1' })).to.deep.equal([{ type: 'deleteState', id: 'd1' }]);
      expect(run.feed({ type: 'stateDeleteFailed', id: 'd1', failure: { kind: 'transient', message: 'etcd down' } })).to.deep.equal([]);
      expect(run.feed({ type: 'tick', now: T0 + 1000 })).to.deep.equal([{ type: 'deleteState', id: 'd1' }]);
    });
  });

  describe('after a crash', () => {
    const args = { script: '#!/bin/bash\ntrue\n' };
    const hash = specHash(canonicalJson(args));
    const jobOf = (jobId: number, submitId: string, spec: string) => ({
      ...job(jobId, 'd1', 'RUNNING', {}, submitId),
      comment: formatJobIdentity({ deploymentId: 'd1', submitId, specHash: spec }),
    });

    it('adopts the job of the same args submitted under an older revision', () => {
      // Put at r10, submitted; put again (same args) at r12; the deployer stopped before writing the job id.
      const { first } = started([entry('d1', args, 12)], [jobOf(41, 'r10', hash)]);
      expect(ofType(first, 'submitJob')).to.deep.equal([]);
      expect(ofType(first, 'cancelJob')).to.deep.equal([]);
    });

    it('replaces the job its prior state names when that job runs other args', () => {
      const run = new Run();
      const listed = { ...entry('d1', { script: 'v2' }, 12), priorState: g1({ status: 'RUNNING', job_id: 41 }) };
      run.feed({ type: 'configListed', deployments: [listed], invalid: [] });
      const first = run.poll(T0, jobOf(41, 'r10', hash));
      expect(ofType(first, 'cancelJob')).to.deep.equal([{ type: 'cancelJob', id: 'd1', jobId: 41, why: 'replaced' }]);
      run.feed({ type: 'jobCancelled', id: 'd1', jobId: 41 });
      const next = run.poll(T0 + 10_000, { ...jobOf(41, 'r10', hash), state: { base: 'CANCELLED', flags: [] } });
      expect(ofType(next, 'submitJob').map((c) => c.spec.script)).to.deep.equal(['v2']);
    });
  });

  describe('the args a state describes', () => {
    it('every state names the hash of the args it describes', () => {
      const step = createReducer(settings)(
        createReducer(settings)(initialWorld, { type: 'tick', now: T0 }).world,
        { type: 'configListed', deployments: [entry('d1', { script: 'x' })], invalid: [] },
      );
      const world = createReducer(settings)(step.world, { type: 'jobsPolled', pollId: 1, jobs: [] });
      const [write] = ofType([...world.commands], 'writeState');
      expect(write?.state.spec).to.equal(specHash(canonicalJson({ script: 'x' })));
    });

    it('after a restart, does not follow a job the state names for args since changed', () => {
      const run = new Run();
      // The args changed while the deployer was down; job 3 of the old args finished and aged out.
      const listed = { ...entry('d1', { script: 'v2' }, 14), priorState: stored({ status: 'FINISHED', job_id: 3, slurm_state: 'COMPLETED' }) };
      run.feed({ type: 'configListed', deployments: [listed], invalid: [] });
      const first = run.poll(T0);
      expect(ofType(first, 'submitJob').map((c) => c.spec.script)).to.deep.equal(['v2']);
      expect(ofType(first, 'writeState')[0]?.state).to.deep.equal({ status: 'PENDING', generation: 2 });
    });
  });

  describe('state writes', () => {
    it('keeps one write in flight per deployment, so that writes land in the order decided', () => {
      const run = new Run(false);
      run.feed({ type: 'configListed', deployments: [entry('d1')], invalid: [] });
      run.poll(T0);
      // PENDING is being written; the job id arrives: its write waits for the first to answer.
      expect(run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 })).to.deep.equal([]);
      expect(run.feed({ type: 'stateWritten', id: 'd1', state: g1({ status: 'PENDING' }) })).to.deep.equal([
        { type: 'writeState', id: 'd1', state: g1({ status: 'PENDING', job_id: 7 }) },
      ]);
    });
  });

  describe('updated deployments', () => {
    it('replaces the job when the args change: cancel, then submit, one generation more', () => {
      const { run } = started();
      run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
      run.poll(T0 + 10_000, job(7, 'd1', 'RUNNING'));
      const changed = run.feed({ type: 'deploymentPut', deployment: entry('d1', { script: 'v2' }, 11) });
      expect(changed).to.deep.equal([
        { type: 'writeState', id: 'd1', state: { status: 'PENDING', reason: 'waiting for job 7 to end before submitting', generation: 2 } },
        { type: 'cancelJob', id: 'd1', jobId: 7, why: 'replaced' },
      ]);
      run.feed({ type: 'jobCancelled', id: 'd1', jobId: 7 });
      const next = run.poll(T0 + 20_000, job(7, 'd1', 'CANCELLED'));
      const [submit] = ofType(next, 'submitJob');
      expect(submit?.submitId).to.equal('r11');
      expect(submit?.spec.script).to.equal('v2');
    });

    it('never resubmits for a put with unchanged args', () => {
      const { run } = started();
      run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
      expect(run.feed({ type: 'deploymentPut', deployment: entry('d1', { script: '#!/bin/bash\ntrue\n' }, 12) })).to.deep.equal([]);
    });

    it('runs a finished deployment again when its args change', () => {
      const { run } = started();
      run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
      run.poll(T0 + 10_000, job(7, 'd1', 'COMPLETED'));
      const changed = run.feed({ type: 'deploymentPut', deployment: entry('d1', { script: 'again' }, 13) });
      expect(ofType(changed, 'submitJob').map((c) => c.submitId)).to.deep.equal(['r13']);
      expect(ofType(changed, 'cancelJob')).to.deep.equal([]);
    });

    it('cancels the job of a submit of the old spec that answers after the change', () => {
      const { run } = started();
      run.feed({ type: 'deploymentPut', deployment: entry('d1', { script: 'v2' }, 11) });
      const answered = run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
      expect(ofType(answered, 'cancelJob')).to.deep.equal([{ type: 'cancelJob', id: 'd1', jobId: 7, why: 'replaced' }]);
      expect(ofType(answered, 'submitJob')).to.deep.equal([]);
    });
  });

  describe('what is not ours', () => {
    it('ignores deployments of other kinds', () => {
      const { first } = started([entry('h1', { chart: 'x' }, 10, 'helm')]);
      expect(first.filter((c) => c.type !== 'pollJobs')).to.deep.equal([]);
    });

    it('never cancels a job without our label, even one named like a removed deployment', () => {
      const foreign = { ...job(99, 'd-old', 'RUNNING'), mcsLabel: 'someone_else' };
      const { run } = started([], [foreign]);
      run.poll(T0 + 10_000, foreign);
      expect(ofType(run.commands, 'cancelJob')).to.deep.equal([]);
    });
  });

  describe('bad input and failures', () => {
    it('marks a deployment with bad args FAILED, naming the field, and submits nothing', () => {
      const { first } = started([entry('d1', { script: 'x', time_limit: 'soon' })]);
      expect(ofType(first, 'submitJob')).to.deep.equal([]);
      expect(ofType(first, 'writeState').map((c) => c.state)).to.deep.equal([g1({ status: 'FAILED', reason: 'args.time_limit: expected a positive integer' })]);
    });

    it('retries a transiently failed submit after a backoff, staying PENDING', () => {
      const { run } = started();
      const failed = run.feed({ type: 'submitFailed', id: 'd1', submitId: 'r10', failure: { kind: 'transient', message: 'connection refused' } });
      expect(failed.map((c) => c.type)).to.deep.equal(['writeState']);
      expect(ofType(failed, 'writeState')[0]?.state.status).to.equal('PENDING');
      expect(ofType(run.feed({ type: 'tick', now: T0 + 400 }), 'submitJob')).to.deep.equal([]);
      expect(ofType(run.feed({ type: 'tick', now: T0 + 1000 }), 'submitJob')).to.have.length(1);
    });

    it('marks a permanently rejected submit FAILED with Slurm\'s message', () => {
      const { run } = started();
      const rejected = run.feed({ type: 'submitFailed', id: 'd1', submitId: 'r10', failure: { kind: 'permanent', message: 'Invalid partition name specified' } });
      expect(ofType(rejected, 'writeState').map((c) => c.state)).to.deep.equal([
        g1({ status: 'FAILED', reason: 'Slurm rejected the job: Invalid partition name specified' }),
      ]);
      expect(ofType(run.poll(T0 + 60_000), 'submitJob')).to.deep.equal([]);
    });

    it('after a submit of unknown outcome, looks for the job before submitting again', () => {
      const { run } = started();
      run.feed({ type: 'submitFailed', id: 'd1', submitId: 'r10', failure: { kind: 'unknown-outcome', message: 'timeout' } });
      const found = run.poll(T0 + 10_000, job(30, 'd1', 'RUNNING'));
      expect(ofType(found, 'submitJob')).to.deep.equal([]);
      expect(ofType(found, 'writeState')[0]?.state).to.deep.equal(g1({ status: 'RUNNING', job_id: 30, slurm_state: 'RUNNING' }));

      const other = started().run;
      other.feed({ type: 'submitFailed', id: 'd1', submitId: 'r10', failure: { kind: 'unknown-outcome', message: 'timeout' } });
      expect(ofType(other.poll(T0 + 10_000), 'submitJob')).to.have.length(1);
    });

    it('writes a state again after a failed write, once the backoff has passed', () => {
      const { run, first } = started();
      const [write] = ofType(first, 'writeState');
      expect(run.feed({ type: 'stateWriteFailed', id: 'd1', state: write!.state, failure: { kind: 'transient', message: 'etcd down' } })).to.deep.equal([]);
      expect(ofType(run.feed({ type: 'tick', now: T0 + 1000 }), 'writeState')).to.have.length(1);
    });
  });
});

describe('reducer, cases found by the property specs', () => {
  it('a deployment deleted and created again with the same args does not take back the job it had cancelled: it waits for its end, then submits', () => {
    const { run } = started();
    // The job says which args it runs: the same args, created again, would take it as theirs.
    const comment = formatJobIdentity({ deploymentId: 'd1', submitId: 'r10', specHash: specHash(canonicalJson(entry('d1').args)) });
    run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
    run.poll(T0 + 10_000, job(7, 'd1', 'PENDING', { comment }));
    expect(ofType(run.feed({ type: 'deploymentDeleted', id: 'd1' }), 'cancelJob')).to.have.length(1);
    run.feed({ type: 'jobCancelled', id: 'd1', jobId: 7 });
    // Created again, same args, while the last poll still shows its cancelled job pending.
    const recreated = run.feed({ type: 'deploymentPut', deployment: entry('d1', undefined, 12) });
    expect(ofType(recreated, 'writeState').map((c) => c.state)).to.deep.equal([
      g1({ status: 'PENDING', reason: 'waiting for job 7 to end before submitting' }),
    ]);
    expect(ofType(recreated, 'submitJob')).to.deep.equal([]);
    const ended = run.poll(T0 + 20_000, job(7, 'd1', 'CANCELLED', { comment }));
    expect(ofType(ended, 'submitJob').map((c) => c.submitId)).to.deep.equal(['r12']);
  });

  it('a job judged lost by a lookup takes the ended state a poll answered later shows', () => {
    const { run } = started();
    run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 9 });
    run.poll(T0 + 10_000, job(9, 'd1', 'RUNNING'));
    expect(run.poll(T0 + 20_000)).to.deep.equal([{ type: 'lookupJob', id: 'd1', jobId: 9 }]);
    // A poll is issued; the lookup answers first, from after the job aged out of Slurm.
    const [poll] = ofType(run.feed({ type: 'tick', now: T0 + 30_000 }), 'pollJobs');
    const lost = ofType(run.feed({ type: 'jobLookedUp', id: 'd1', jobId: 9 }), 'writeState');
    expect(lost.map((c) => c.state.reason)).to.deep.equal(['job lost: it vanished from Slurm before a terminal state was seen']);
    // The poll, carried out before that, saw how it ended: a state seen beats the verdict, and stays.
    const seen = ofType(run.feed({ type: 'jobsPolled', pollId: poll!.pollId, jobs: [job(9, 'd1', 'CANCELLED')] }), 'writeState');
    expect(seen.map((c) => [c.state.status, c.state.slurm_state])).to.deep.equal([['CANCELLED', 'CANCELLED']]);
    expect(run.poll(T0 + 40_000, job(9, 'd1', 'COMPLETED'))).to.deep.equal([]);
  });

  it('a deployment deleted and created again while its submit is in flight waits for that answer before submitting again', () => {
    const { run } = started();
    run.feed({ type: 'deploymentDeleted', id: 'd1' });
    const recreated = run.feed({ type: 'deploymentPut', deployment: entry('d1', { script: 'again' }, 12) });
    expect(ofType(recreated, 'submitJob')).to.deep.equal([]);
    // The old submit made a job: it is cancelled, and the new spec is submitted once it has ended.
    const answered = run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 12 });
    expect(ofType(answered, 'cancelJob')).to.deep.equal([{ type: 'cancelJob', id: 'd1', jobId: 12, why: 'replaced' }]);
    expect(ofType(answered, 'submitJob')).to.deep.equal([]);
    run.feed({ type: 'jobCancelled', id: 'd1', jobId: 12 });
    const next = run.poll(T0 + 10_000, job(12, 'd1', 'CANCELLED'));
    expect(ofType(next, 'submitJob').map((c) => c.submitId)).to.deep.equal(['r12']);
  });

  it('a cancel Slurm refuses for good is asked again only after a later poll still shows the job active', () => {
    const { run } = started();
    run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
    run.poll(T0 + 10_000, job(7, 'd1', 'RUNNING'));
    expect(ofType(run.feed({ type: 'deploymentDeleted', id: 'd1' }), 'cancelJob')).to.have.length(1);
    // The last poll still shows the job active: that is no reason to ask again at once.
    expect(run.feed({ type: 'cancelFailed', id: 'd1', jobId: 7, failure: { kind: 'permanent', message: 'Job/step already completing or completed' } })).to.deep.equal([]);
    expect(ofType(run.poll(T0 + 20_000, job(7, 'd1', '', { state: { flags: ['COMPLETING'] } })), 'cancelJob')).to.have.length(1);
    run.feed({ type: 'cancelFailed', id: 'd1', jobId: 7, failure: { kind: 'permanent', message: 'Job/step already completing or completed' } });
    expect(run.poll(T0 + 30_000, job(7, 'd1', 'COMPLETED'))).to.deep.equal([{ type: 'deleteState', id: 'd1' }]);
  });

  it('never follows a job found for a deployment whose args are invalid: it is cancelled', () => {
    const { first } = started([entry('d1', { script: 'x', time_limit: 'soon' })], [job(51, 'd1', 'RUNNING')]);
    expect(ofType(first, 'cancelJob')).to.deep.equal([{ type: 'cancelJob', id: 'd1', jobId: 51, why: 'replaced' }]);
    expect(ofType(first, 'writeState').map((c) => c.state)).to.deep.equal([g1({ status: 'FAILED', reason: 'args.time_limit: expected a positive integer' })]);
  });

  it('cancels the job of a submit of unknown outcome made before the args became invalid', () => {
    const { run } = started();
    run.feed({ type: 'deploymentPut', deployment: entry('d1', { script: 'x', time_limit: 'soon' }, 11) });
    run.feed({ type: 'submitFailed', id: 'd1', submitId: 'r10', failure: { kind: 'unknown-outcome', message: 'timeout' } });
    const found = run.poll(T0 + 10_000, job(7, 'd1', 'PENDING'));
    expect(ofType(found, 'cancelJob')).to.deep.equal([{ type: 'cancelJob', id: 'd1', jobId: 7, why: 'replaced' }]);
  });

  it('takes the state of a job a poll showed before its submit was answered, so that an ended job is not called lost', () => {
    const { run } = started();
    // The job failed at once, and a poll saw it before the submit's answer came.
    run.poll(T0 + 10_000, job(7, 'd1', 'FAILED', { reason: 'launch failed', exitCode: { status: 1, signal: 0 } }));
    const submitted = run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
    const failed = g1({ status: 'FAILED', job_id: 7, slurm_state: 'FAILED', reason: 'launch failed', exit_code: 1 });
    expect(ofType(submitted, 'writeState').map((c) => c.state)).to.deep.equal([failed]);
    // It ages out of Slurm before the next poll: still FAILED as seen, not lost.
    expect(run.poll(T0 + 20_000)).to.deep.equal([]);
  });

  it('takes the end a poll showed of a job that aged out of Slurm before its submit was answered', () => {
    const { run } = started();
    // The submit made the job and it was cancelled at once; a poll saw it CANCELLED, the next no
    // longer lists it (MinJobAge), and only then does the submit answer, naming it.
    run.poll(T0 + 10_000, job(7, 'd1', 'CANCELLED', { exitCode: { status: 0, signal: 9 } }));
    run.poll(T0 + 20_000);
    const submitted = run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
    expect(ofType(submitted, 'writeState').map((c) => [c.state.status, c.state.job_id, c.state.slurm_state])).to.deep.equal([['CANCELLED', 7, 'CANCELLED']]);
    // Nothing is asked of it, and nothing calls it lost later.
    expect(ofType(submitted, 'lookupJob')).to.deep.equal([]);
    expect(run.poll(T0 + 30_000)).to.deep.equal([]);
  });

  it('keeps no end of a job another submit made: the answer of its own submit is followed as usual', () => {
    const { run } = started();
    run.poll(T0 + 10_000, job(7, 'd1', 'CANCELLED', {}, 'r9'));
    run.poll(T0 + 20_000);
    const phase = run.world.slots.get('d1')?.deployment?.phase;
    expect(phase?.kind === 'submitting' ? phase.endsSeen : 'not submitting').to.equal(undefined);
  });

  it('at a resync, never follows the job named by the prior state of a deployment it did not know', () => {
    const { run } = started();
    run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
    run.feed({ type: 'deploymentDeleted', id: 'd1' });
    run.feed({ type: 'jobCancelled', id: 'd1', jobId: 7 });
    // Created again with other args while the watch was down; a late write of the old state landed on it.
    const old = g1({ status: 'PENDING', job_id: 7 });
    const relisted = run.feed({ type: 'configListed', deployments: [{ ...entry('d1', { script: 'v2' }, 14), priorState: old }], invalid: [] });
    expect(ofType(relisted, 'writeState').map((c) => c.state)).to.deep.equal([g1({ status: 'PENDING', reason: 'waiting for job 7 to end before submitting' })]);
    const next = run.poll(T0 + 10_000, job(7, 'd1', 'CANCELLED'));
    expect(ofType(next, 'submitJob').map((c) => c.submitId)).to.deep.equal(['r14']);
  });

  it('writes the state again when a listing finds another one stored (a deletion or write was missed)', () => {
    const { run } = started();
    run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
    // Deleted and created again with the same args while the watch was down: the state went with it.
    const relisted = run.feed({ type: 'configListed', deployments: [entry('d1', undefined, 14)], invalid: [] });
    expect(ofType(relisted, 'writeState').map((c) => c.state)).to.deep.equal([g1({ status: 'PENDING', job_id: 7 })]);
    // A listing that finds the state last written writes nothing.
    const again = run.feed({ type: 'configListed', deployments: [{ ...entry('d1', undefined, 14), priorState: stored({ status: 'PENDING', job_id: 7 }) }], invalid: [] });
    expect(again).to.deep.equal([]);
  });
});
