// slurmctld refuses the submit twice for now; the third try goes through.

import { deployment, fails, listed, submitted, write, type Scenario } from '../../streams/testing/index.js';
import { firstSubmitOfD1, job7OfD1 } from '../support/scenario-parts.js';

export default {
  title: 'transient submit failures are retried after a growing backoff, and the deployment stays PENDING',
  proves: 'rule: retry counts with exponential backoff; a transient failure is never FAILED',

  timeline: {
    clock:    'tttttttttttttttttttttttttttttt',
    config:   '-l----------------------------',
    commands: 'P-(Sw)e---(SP)------PS---p----',
  },

  config: { l: listed(deployment('d1')) },

  // Backoff of submit:d1 with base 4: 4 frames after the first failure (6 -> 10), 7 after the second (14 -> 21).
  answers: {
    submitJob: [fails('transient', 'slurmctld refused for now'), fails('transient', 'slurmctld refused for now'), submitted(7)],
  },

  commands: {
    ...firstSubmitOfD1,
    e: write('d1', { status: 'PENDING', reason: 'submit failed, will retry: slurmctld refused for now', generation: 1 }),
    p: job7OfD1.submitted,
  },
} satisfies Scenario;
