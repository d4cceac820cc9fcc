// The step log says where Slurm's word came from: a state changed and a job found by lookup name
// slurmctld or accounting (slurmdbd); an answer that is not the job is a WARNING saying what was
// seen; a lost job says where it was looked for.

import { expect } from 'chai';
import type { DeployerEvent } from '../../../lib/core/events.js';
import { createReducer } from '../../../lib/core/reducer.js';
import type { SlurmJob } from '../../../lib/core/slurm-job.js';
import { initialWorld, type ReducerSettings, type World } from '../../../lib/core/world.js';
import type { Logger } from '../../../streams/ops/log.js';
import { logOutput } from '../../../streams/ops/step-log.js';
import { entry, job, LABEL, settings } from '../../support/fixtures.js';

const T0 = 1_800_000_000_000;
const WITH_ACCOUNTING: ReducerSettings = { ...settings, accounting: true, unmatchedLookup: { attempts: 3, backoff: { baseMs: 1000, maxMs: 4000 } } };

type Line = [level: string, message: string, fields: Record<string, unknown> | undefined];

/** Runs events through the reducer, logging each step as the live deployer does; answers polls with `jobs` of the moment. */
class LoggedRun {
  world: World = initialWorld;
  readonly lines: Line[] = [];
  readonly #reduce;
  readonly #log: Logger;

  constructor(readonly settings: ReducerSettings) {
    this.#reduce = createReducer(settings);
    const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void this.lines.push([level, message, fields]);
    this.#log = { debug: at('DEBUG'), info: at('INFO'), warning: at('WARNING'), error: at('ERROR') };
  }

  feed(event: DeployerEvent, jobs: readonly SlurmJob[] = []): void {
    const queue: DeployerEvent[] = [event];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const step = this.#reduce(this.world, next);
      this.world = step.world;
      logOutput(this.#log, { type: 'step', event: next, world: step.world, commands: step.commands }, this.settings);
      for (const c of step.commands) {
        if (c.type === 'writeState') queue.push({ type: 'stateWritten', id: c.id, state: c.state });
        if (c.type === 'pollJobs') queue.push({ type: 'jobsPolled', pollId: c.pollId, jobs });
      }
    }
  }

  /** The lines of one message. */
  said(message: string): Line[] {
    return this.lines.filter((l) => l[1] === message);
  }
}

/** Job 9 of d1 seen running, then missed by a poll: its lookup is out. */
function lookingUp(s: ReducerSettings): LoggedRun {
  const run = new LoggedRun(s);
  run.feed({ type: 'configListed', deployments: [entry('d1')], invalid: [] });
  run.feed({ type: 'tick', now: T0 });
  run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 9 });
  run.feed({ type: 'tick', now: T0 + 10_000 }, [job(9, 'd1', 'RUNNING')]);
  run.feed({ type: 'tick', now: T0 + 20_000 }, []);
  expect(run.said('job missing from the poll; looking it up')).to.have.length(1);
  return run;
}

describe('step log: where a state came from', () => {
  it('a state read from slurmctld says so; one the deployer knows alone (no job yet, a job just submitted) names no source', () => {
    const run = lookingUp(WITH_ACCOUNTING);
    expect(run.said('state changed').map((l) => [l[2]?.['status'], l[2]?.['job_id'], l[2]?.['source']])).to.deep.equal([
      ['PENDING', undefined, undefined],
      ['PENDING', 9, undefined],
      ['RUNNING', 9, 'slurmctld'],
    ]);
  });

  it('a job found in accounting: the lookup and the state it brings name accounting', () => {
    const run = lookingUp(WITH_ACCOUNTING);
    run.feed({ type: 'jobLookedUp', id: 'd1', jobId: 9, job: job(9, 'd1', 'COMPLETED', { source: 'accounting', exitCode: { status: 0, signal: 0 } }) });
    expect(run.said('job found by lookup')).to.deep.equal([['INFO', 'job found by lookup', { deployment: 'd1', job: 9, source: 'accounting', slurm_state: 'COMPLETED' }]]);
    expect(run.said('state changed').at(-1)?.[2]).to.deep.include({ status: 'FINISHED', exit_code: 0, source: 'accounting' });
  });

  it('a job found by slurmctld\'s answer to a lookup names slurmctld', () => {
    const run = lookingUp(WITH_ACCOUNTING);
    run.feed({ type: 'jobLookedUp', id: 'd1', jobId: 9, job: job(9, 'd1', 'FAILED', { exitCode: { status: 3, signal: 0 } }) });
    expect(run.said('job found by lookup')[0]?.[2]).to.include({ source: 'slurmctld', slurm_state: 'FAILED' });
    expect(run.said('state changed').at(-1)?.[2]).to.deep.include({ status: 'FAILED', source: 'slurmctld' });
  });

  it('an answer that is not the job is a WARNING saying what was seen and how many so far', () => {
    const run = lookingUp(WITH_ACCOUNTING);
    run.feed({ type: 'jobLookedUp', id: 'd1', jobId: 9, job: job(9, 'd1', 'COMPLETED', { source: 'accounting', mcsLabel: '' }) });
    expect(run.said('job found by lookup')).to.deep.equal([]);
    expect(run.said('job lookup answered with a job that is not this one')).to.deep.equal([
      [
        'WARNING',
        'job lookup answered with a job that is not this one',
        { deployment: 'd1', job: 9, source: 'accounting', slurm_state: 'COMPLETED', seen: `accounting answered with no mcs label, not "${LABEL}"`, answers: 1 },
      ],
    ]);
  });

  it('a lost job says where it was looked; its verdict names no source', () => {
    for (const [s, lookedIn] of [
      [WITH_ACCOUNTING, 'slurmctld and accounting'],
      [{ ...WITH_ACCOUNTING, accounting: false }, 'slurmctld'],
    ] as const) {
      const run = lookingUp(s);
      run.feed({ type: 'jobLookedUp', id: 'd1', jobId: 9 });
      expect(run.said('job lost: Slurm no longer knows it')).to.deep.equal([['INFO', 'job lost: Slurm no longer knows it', { deployment: 'd1', job: 9, looked_in: lookedIn }]]);
      const last = run.said('state changed').at(-1)?.[2];
      expect(last).to.include({ status: 'FAILED' });
      expect(last).not.to.have.property('source');
    }
  });

  it('a deleted deployment\'s cancelled job, looked up until it ended, is DEBUG, not INFO', () => {
    const run = new LoggedRun(settings);
    run.feed({ type: 'configListed', deployments: [entry('d1')], invalid: [] });
    run.feed({ type: 'tick', now: T0 });
    run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 9 });
    run.feed({ type: 'tick', now: T0 + 10_000 }, [job(9, 'd1', 'RUNNING')]);
    run.feed({ type: 'deploymentDeleted', id: 'd1' });
    run.feed({ type: 'jobCancelled', id: 'd1', jobId: 9 });
    for (let i = 1; i <= 6; i++) run.feed({ type: 'tick', now: T0 + 10_000 + i * 1000 });
    const lookups = run.lines.filter((l) => /look/.test(l[1]));
    expect(lookups.length, 'the cancel was confirmed by lookups').to.be.greaterThan(0);
    run.feed({ type: 'jobLookedUp', id: 'd1', jobId: 9, job: job(9, 'd1', 'RUNNING') });
    run.feed({ type: 'jobLookedUp', id: 'd1', jobId: 9, job: job(9, 'd1', 'CANCELLED') });
    const about = run.lines.filter((l) => /look/.test(l[1]));
    expect(about.filter((l) => l[0] !== 'DEBUG'), 'no lookup line above DEBUG').to.deep.equal([]);
    expect(about.map((l) => l[1])).to.include('looking up a cancelled job to see it ended').and.to.include('cancelled job looked up');
  });
});

describe('step log: a takeover', () => {
  const HOLDING: ReducerSettings = { ...settings, watermark: { everyMs: 5000, takeoverHoldMs: 20_000, cleanAtRest: true } };
  const HELD = 'first Slurm poll held: the last leader did not stop cleanly, and its submits may still land';

  it('says at the listing that the first poll waits for the last leader\'s submits, and for how long, after a stop that was not clean', () => {
    const run = new LoggedRun(HOLDING);
    run.feed({ type: 'tick', now: T0 });
    run.feed({ type: 'configListed', deployments: [entry('d1')], invalid: [], watermark: { floor: 5, clean: false } });
    expect(run.said(HELD).map((l) => [l[0], l[2]])).to.deep.equal([['INFO', { hold_seconds: 20, setting: 'SDP_SLURMDEPLOY_TAKEOVER_HOLD' }]]);
    expect(run.lines.some((l) => l[1] === 'Slurm polled')).to.equal(false);
  });

  it('says nothing of it after a clean stop, nor without a hold', () => {
    for (const [s, clean] of [[HOLDING, true], [settings, false]] as const) {
      const run = new LoggedRun(s);
      run.feed({ type: 'tick', now: T0 });
      run.feed({ type: 'configListed', deployments: [entry('d1')], invalid: [], watermark: { floor: 5, clean } });
      expect(run.said(HELD), `clean ${clean}`).to.deep.equal([]);
    }
  });
});
