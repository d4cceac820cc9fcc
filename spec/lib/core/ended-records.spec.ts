// What the world keeps of ended jobs under state polls: a state poll asks only about the jobs the
// deployer follows, so the record of a job that ended and is no longer followed would never be
// told gone. Kept, such records piled up for as long as a term lasted (the soak's witness: heap
// +0.95 MB per 10 minutes, ~290 jobs). They are forgotten once a poll did not ask about them.

import { expect } from 'chai';
import type { Command } from '../../../lib/core/commands.js';
import type { SlurmJob } from '../../../lib/core/slurm-job.js';
import { entry, job } from '../../support/fixtures.js';
import { ofType, T0 } from '../../support/reducer-run.js';
import { isPoll, StateRun } from '../../support/state-run.js';

/** A churn of deployments through a simulated Slurm: each runs, ends, is deleted, and Slurm forgets its job later. */
class Churn {
  readonly run = new StateRun();
  readonly slurm = new Map<number, { job: SlurmJob; age: number }>();
  readonly submits: string[] = [];
  now = T0;
  #nextJob = 100;

  constructor() {
    this.run.feed({ type: 'configListed', deployments: [], invalid: [], watermark: { floor: 5, clean: true } });
  }

  round(n: number): void {
    this.#answer(this.run.feed({ type: 'deploymentPut', deployment: { ...entry(`d${n}`), revision: 10 + n } }));
    this.now += 3000;
    this.#answer(this.run.feed({ type: 'tick', now: this.now }));
    for (const [jobId, j] of this.slurm) {
      j.age++;
      if (j.age === 10 && j.job.state.base === 'RUNNING') j.job = { ...j.job, state: { base: 'COMPLETED', flags: [] }, exitCode: { status: 0, signal: 0 } };
      if (j.age === 15) this.#answer(this.run.feed({ type: 'deploymentDeleted', id: j.job.name }));
      // MinJobAge: Slurm forgets the job well after its deployment went.
      if (j.age > 25) this.slurm.delete(jobId);
    }
  }

  #answer(issued: Command[]): void {
    for (let c = issued.shift(); c !== undefined; c = issued.shift()) {
      if (isPoll(c)) issued.push(...this.run.answerPoll([c], [...this.slurm.values()].map((j) => j.job)));
      if (c.type === 'submitJob') {
        const jobId = this.#nextJob++;
        this.submits.push(c.id);
        this.slurm.set(jobId, { job: job(jobId, c.id, 'RUNNING', {}, c.submitId), age: 0 });
        issued.push(...this.run.feed({ type: 'jobSubmitted', id: c.id, submitId: c.submitId, jobId }));
      }
      if (c.type === 'lookupJob') issued.push(...this.run.feed({ type: 'jobLookedUp', id: c.id, jobId: c.jobId, ...(this.slurm.has(c.jobId) ? { job: this.slurm.get(c.jobId)!.job } : {}) }));
      if (c.type === 'deleteState') issued.push(...this.run.feed({ type: 'stateDeleted', id: c.id }));
    }
  }
}

describe('the records of ended jobs under state polls', () => {
  it('are forgotten once nothing follows them: the world stays the size of what runs, through 1,500 deployments', () => {
    const churn = new Churn();
    const sizes: number[] = [];
    for (let n = 0; n < 1500; n++) {
      churn.round(n);
      if (n % 100 === 99) sizes.push(churn.run.world.polled.size + churn.run.world.polledByClaim.size + churn.run.world.slots.size);
    }
    expect(Math.max(...sizes), `world sizes every 100 rounds: ${sizes.join(' ')}`).to.be.at.most(3 * 16);
    expect(churn.submits.length, 'every deployment submitted').to.equal(1500);
    expect(new Set(churn.submits).size, 'none twice').to.equal(1500);
  });

  it('keeps an ended job\'s record while its deployment decides on it: an ended job a discovery found is adopted, not submitted again', () => {
    const run = new StateRun();
    const first = run.feed({ type: 'configListed', deployments: [entry('d1')], invalid: [], watermark: { floor: 5, clean: false } });
    const ended = job(9, 'd1', 'COMPLETED', { exitCode: { status: 0, signal: 0 } });
    const issued = [...first];
    for (let now = T0; now < T0 + 120_000; now += 3000) {
      const tick = run.feed({ type: 'tick', now });
      issued.push(...tick.filter((c) => !isPoll(c)));
      if (tick.some(isPoll)) issued.push(...run.answerPoll(tick, [ended]));
    }
    expect(ofType(issued, 'submitJob')).to.deep.equal([]);
    expect(ofType(issued, 'writeState').at(-1)?.state).to.include({ status: 'FINISHED', job_id: 9 });
  });

  it('keeps an ended job\'s record past the next poll while its deployment\'s decisions wait for the watermark (found by the property runs)', () => {
    const run = new StateRun({ ackWatermarks: false });
    const ended = job(100, 'd0', 'COMPLETED', { exitCode: { status: 0, signal: 0 } });
    const first = [...run.feed({ type: 'tick', now: T0 }), ...run.feed({ type: 'configListed', deployments: [entry('d0')], invalid: [], watermark: { floor: 0, clean: true } })];
    const issued = run.answerPoll(first, [ended]);
    const next = run.feed({ type: 'tick', now: T0 + 10_000 });
    issued.push(...run.answerPoll(next, []));
    const written = ofType(first, 'writeWatermark').at(-1)!;
    issued.push(...run.feed({ type: 'watermarkWritten', watermark: written.watermark }));
    expect(ofType(issued, 'submitJob'), 'an ended job of these very args is never submitted again').to.deep.equal([]);
    expect(ofType(issued, 'writeState').at(-1)?.state).to.include({ status: 'FINISHED', job_id: 100 });
  });
});
