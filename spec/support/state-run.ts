// A reducer run with state polls (issue 19): answers watermark writes at once unless told not to,
// and polls as Slurm would from a list of jobs.

import type { Command } from '../../lib/core/commands.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import type { SlurmJob } from '../../lib/core/slurm-job.js';
import type { ReducerSettings } from '../../lib/core/world.js';
import { LABEL, settings } from './fixtures.js';
import { ofType, Run } from './reducer-run.js';
import { readStates } from './simulated-slurm.js';

/** The live deployer's settings where Slurm serves `GET /jobs/state`, on the scale of a test. */
export const STATE_SETTINGS: ReducerSettings = {
  ...settings,
  statePollIntervalMs: 3_000,
  submitSettleMs: 60_000,
  watermark: { everyMs: 10_000, takeoverHoldMs: 20_000 },
};

/** A run with state polls: answers watermark writes at once unless told not to, and polls from a list of jobs. */
export class StateRun extends Run {
  constructor(
    private readonly ackWatermarks = true,
    settings: ReducerSettings = STATE_SETTINGS,
  ) {
    super(true, settings);
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

export function isPoll(c: Command): c is Extract<Command, { type: 'pollJobs' | 'pollStates' }> {
  return c.type === 'pollJobs' || c.type === 'pollStates';
}
