// A deleted deployment's job is already completing, and Slurm refuses the cancel for good
// (ESLURM_ALREADY_DONE, 2021, which the REST client classifies as permanent).

import { job } from '../support/fixtures.js';
import { cancel, deleted, deleteState, deployment, fails, listed, submitted, type Scenario } from '../../streams/testing/index.js';
import { completing, firstSubmitOfD1, job7OfD1 } from '../support/scenario-parts.js';

const refused = fails('permanent', 'cancel: HTTP 500: Job/step already completing or completed');

export default {
  title: 'a cancel Slurm refuses for good is not sent again before a later poll shows the job still active',
  proves: 'rule: bounded everything; no request is repeated at the rate of its own answers',

  timeline: {
    clock:    't---------t---------t---------t---------',
    config:   '-l------------d-------------------------',
    slurm:    '------r------k---------------c----------',
    commands: 'P-(Sw)p---P-r-C-----P-C-------P-D-------',
  },

  config: { l: listed(deployment('d1')), d: deleted('d1') },

  slurm: {
    r: [job(7, 'd1', 'RUNNING')],
    k: [completing(7, 'd1')],
    c: [job(7, 'd1', 'COMPLETED')],
  },

  answers: { submitJob: [submitted(7)], cancelJob: [refused, refused] },

  commands: {
    ...firstSubmitOfD1,
    p: job7OfD1.submitted,
    r: job7OfD1.running,
    C: cancel('d1', 7, 'deployment removed'),
    D: deleteState('d1'),
  },
} satisfies Scenario;
