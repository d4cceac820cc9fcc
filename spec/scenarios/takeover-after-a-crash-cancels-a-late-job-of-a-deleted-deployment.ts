// A leader crashed with a submit inside slurmrestd for a deployment that was deleted meanwhile.
// Nothing in the Config DB names it any more; the watermark says the stop was not clean, so the
// next term still waits before its first poll, finds the job that landed, and cancels it.

import { job } from '../support/fixtures.js';
import { cancel, pollStates, record, watermark, type Scenario } from '../../streams/testing/index.js';
import { listedWith, statePollSettings } from '../support/state-poll-parts.js';

export default {
  title: 'a term after a crash waits even with nothing listed, and cancels the late job of a deployment deleted meanwhile',
  proves: 'issue 19: kill -9 during a burst leaves no job running for a deployment that is gone',
  settings: { ...statePollSettings, watermark: { everyMs: 1000, takeoverHoldMs: 15 } },
  delays: { pollStates: 1 },

  timeline: {
    clock:    't----t----t----t----t----t----',
    config:   '-l----------------------------',
    slurm:    '--------j----------c----------',
    commands: '-M-------------D(CR)Qr--------',
  },

  config: { l: listedWith({ floor: 5, clean: false }) },

  slurm: { j: [job(6, 'd1', 'PENDING')], c: [job(6, 'd1', 'CANCELLED')] },

  commands: {
    M: watermark(5),
    D: pollStates([], 5),
    C: cancel('d1', 6, 'deployment removed'),
    // Registered until it ended: a crash before the cancel leaves the next term its key.
    R: record([6]),
    // The next state poll shows it CANCELLED: nothing more to do but remove its key.
    Q: pollStates([6]),
    r: record([], [6]),
  },
} satisfies Scenario;
