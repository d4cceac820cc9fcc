// Slurm refuses the job itself: asking again cannot help.

import { deployment, fails, listed, write, type Scenario } from '../../streams/testing/index.js';
import { firstSubmitOfD1 } from '../support/scenario-parts.js';

export default {
  title: "a submit Slurm rejects for good is written FAILED with Slurm's message, and never tried again",
  proves: 'rule: bad input gets a clear answer; a permanent rejection is not retried',

  timeline: {
    clock:    't---------t---------t---------',
    config:   '-l----------------------------',
    commands: 'P-(Sw)f---P---------P---------',
  },

  config: { l: listed(deployment('d1')) },

  answers: { submitJob: [fails('permanent', 'Invalid partition name specified')] },

  commands: {
    ...firstSubmitOfD1,
    f: write('d1', { status: 'FAILED', reason: 'Slurm rejected the job: Invalid partition name specified', generation: 1 }),
  },
} satisfies Scenario;
