// A slow submit: polls come and go, one of them even shows the job before the submit answers.

import { job } from '../support/fixtures.js';
import { after, deployment, listed, submitted, type Scenario } from '../../streams/testing/index.js';
import { firstSubmitOfD1, job7OfD1 } from '../support/scenario-parts.js';

export default {
  title: 'polls while a submit is in flight submit nothing more, even one that already shows the job',
  proves: 'rule: one deployment, one job; a job of a submit in flight is neither adopted nor cancelled as a stray',

  timeline: {
    clock:    't---------t---------t---------t---------',
    config:   '-l--------------------------------------',
    slurm:    '---------------r------------------------',
    commands: 'P-(Sw)----P---------P------p--P-r-------',
  },

  config: { l: listed(deployment('d1')) },

  slurm: { r: [job(7, 'd1', 'RUNNING')] },

  // Slurm has the job at 15, but its answer reaches us only at 27.
  answers: { submitJob: [after(25, submitted(7))] },

  commands: {
    ...firstSubmitOfD1,
    p: job7OfD1.submitted,
    r: job7OfD1.running,
  },
} satisfies Scenario;
