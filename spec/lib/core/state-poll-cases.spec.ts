// Cases the property runs found with state polls (issue 19): each pins a fix in lib/core, with the
// settings the live deployer has where Slurm serves `GET /jobs/state`, on the scale of a test.

import { expect } from 'chai';
import type { Command } from '../../../lib/core/commands.js';
import type { DeployerEvent } from '../../../lib/core/events.js';
import type { SlurmJob } from '../../../lib/core/slurm-job.js';
import type { ReducerSettings, Watermark } from '../../../lib/core/world.js';
import { entry, job, LABEL, settings } from '../../support/fixtures.js';
import { ofType, Run, T0 } from '../../support/reducer-run.js';
import { readStates } from '../../support/simulated-slurm.js';

const STATE_SETTINGS: ReducerSettings = {
  ...settings,
  statePollIntervalMs: 3_000,
  submitSettleMs: 60_000,
  watermark: { everyMs: 10_000, takeoverHoldMs: 20_000 },
};

/** A run with state polls: answers watermark writes at once unless told not to, and polls from a list of jobs. */
class StateRun extends Run {
  constructor(private readonly ackWatermarks = true) {
    super(true, STATE_SETTINGS);
  }

  override feed(...events: DeployerEvent[]): Command[] {
    const issued = super.feed(...events);
    if (!this.ackWatermarks) return issued;
    for (const c of ofType(issued, 'writeWatermark')) issued.push(...this.feed({ type: 'watermarkWritten', watermark: c.watermark }));
    return issued;
  }

  /** Ticks to `now` and answers the poll it asks for as Slurm would, showing `jobs`. */
  override poll(now: number, ...jobs: SlurmJob[]): Command[] {
    const issued = this.feed({ type: 'tick', now });
    return [...issued.filter((c) => !isPoll(c)), ...this.answerPoll(issued, jobs)];
  }

  answerPoll(issued: readonly Command[], jobs: readonly SlurmJob[]): Command[] {
    const poll = issued.find(isPoll);
    if (poll === undefined) throw new Error(`no poll issued: ${JSON.stringify(issued)}`);
    if (poll.type === 'pollJobs') return this.feed({ type: 'jobsPolled', pollId: poll.pollId, jobs });
    return this.feed({ type: 'statesPolled', pollId: poll.pollId, ...readStates(jobs, poll, LABEL) });
  }
}

function isPoll(c: Command): c is Extract<Command, { type: 'pollJobs' | 'pollStates' }> {
  return c.type === 'pollJobs' || c.type === 'pollStates';
}

const listed = (deployments: ReturnType<typeof entry>[], watermark?: Watermark): DeployerEvent => ({ type: 'configListed', deployments, invalid: [], ...(watermark ? { watermark } : {}) });

describe('reducer with state polls, cases found by the property specs', () => {
  it('cancels the job of a deployment deleted while none watched when the first poll is answered before the term wrote its watermark', () => {
    const run = new StateRun(false);
    const first = [...run.feed({ type: 'tick', now: T0 }), ...run.feed(listed([], { floor: 5, clean: true }))];
    expect(first.map((c) => c.type)).to.deep.equal(['writeWatermark', 'pollStates']);
    expect(run.answerPoll(first, [job(8, 'gone', 'RUNNING')])).to.deep.equal([]);
    const written = run.feed({ type: 'watermarkWritten', watermark: { floor: 5, clean: false } });
    expect(ofType(written, 'cancelJob')).to.deep.equal([{ type: 'cancelJob', id: 'gone', jobId: 8, why: 'deployment removed' }]);
  });
});
