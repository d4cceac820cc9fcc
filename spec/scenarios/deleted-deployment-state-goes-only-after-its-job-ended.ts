// A running deployment is deleted; its job takes a while to end.

import { job } from '../support/fixtures.js';
import { deleted, deployment, listed, submitted, type Scenario } from '../../streams/testing/index.js';
import { completing, firstSubmitOfD1, job7OfD1, removalOfD1 } from '../support/scenario-parts.js';

export default {
  title: "a deleted deployment's job is cancelled, looked up until it ended, and its state removed only then",
  proves: 'rule: the state of a deleted deployment goes once its job has ended; a cancel is asked again while a later poll shows the job active; its end is confirmed by lookups, not a poll interval later',

  timeline: {
    clock:    't---------t--------tt------t--t---------',
    config:   '-l------------d-------------------------',
    slurm:    '------r--------k----------c-------------',
    commands: 'P-(Sw)p---P-r-CL---LP-CL---LD-P---------',
  },

  config: { l: listed(deployment('d1')), d: deleted('d1') },

  slurm: {
    r: [job(7, 'd1', 'RUNNING')],
    // Still completing at the poll of 20 (v0.0.38 prints the flag alone), ended at 26.
    k: [completing(7, 'd1')],
    c: [job(7, 'd1', 'CANCELLED')],
  },

  answers: { submitJob: [submitted(7)] },
  // Lookups answer in a frame; the ticks at 19 and 27 are when their backoff (3 frames) is due.
  delays: { lookupJob: 1 },

  commands: {
    ...firstSubmitOfD1,
    p: job7OfD1.submitted,
    r: job7OfD1.running,
    ...removalOfD1,
  },
} satisfies Scenario;
