// A leader crashed with a submit inside slurmrestd (retrying against slurmctld's rate limit). The
// next term finds the watermark not clean and a deployment whose state names no job: it waits
// before its first poll, so the old submit's job has landed and is adopted, not made twice.

import { job } from '../support/fixtures.js';
import { deployment, pollStates, record, watermark, write, type Scenario } from '../../streams/testing/index.js';
import { listedWith, statePollSettings } from '../support/state-poll-parts.js';

export default {
  title: 'a term after a crash waits before its first poll, and adopts the job the crashed leader\'s submit made meanwhile',
  proves: 'issue 19: kill -9 during a burst creates no duplicate: a takeover waits for the last leader\'s submits to land',
  settings: { ...statePollSettings, watermark: { everyMs: 1000, takeoverHoldMs: 15 } },
  delays: { pollStates: 1 },

  timeline: {
    clock:    't----t----t----t----t----t----',
    config:   '-l----------------------------',
    slurm:    '--------j---------------------',
    commands: '-M-------------D(aR)Q----Q----',
  },

  // The crashed leader wrote PENDING, no job yet; its submit lands at 8 as job 6.
  config: { l: listedWith({ floor: 5, clean: false }, deployment('d1', { priorState: { status: 'PENDING', generation: 1 } })) },

  slurm: { j: [job(6, 'd1', 'PENDING')] },

  commands: {
    M: watermark(5),
    // The first poll at 15, not at 1: it discovers above the floor and finds job 6.
    D: pollStates([], 5),
    a: write('d1', { status: 'PENDING', job_id: 6, slurm_state: 'PENDING', generation: 1 }),
    R: record([6]),
    Q: pollStates([6]),
  },
} satisfies Scenario;
