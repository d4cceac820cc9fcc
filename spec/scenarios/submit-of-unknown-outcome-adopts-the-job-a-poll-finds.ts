// A submit times out after sending: did Slurm take it? Ask a poll before submitting again.

import { job } from '../support/fixtures.js';
import { after, deployment, fails, listed, write, type Scenario } from '../../streams/testing/index.js';
import { firstSubmitOfD1 } from '../support/scenario-parts.js';

export default {
  title: 'after a submit of unknown outcome, the job a later poll finds is adopted and nothing is submitted again',
  proves: 'rule: no POST is retried blindly; a submit of unknown outcome is resolved by looking for the job by its identity',

  timeline: {
    clock:    't---------t---------t---------',
    config:   '-l----------------------------',
    slurm:    '-----r------------------------',
    commands: 'P-(Sw)----P-r-------P---------',
  },

  config: { l: listed(deployment('d1')) },

  // Slurm took the job (30) at 5; the answer is lost: a timeout at 7.
  slurm: { r: [job(30, 'd1', 'RUNNING')] },

  answers: { submitJob: [after(5, fails('unknown-outcome', 'timeout after the request was sent'))] },

  commands: {
    ...firstSubmitOfD1,
    r: write('d1', { status: 'RUNNING', job_id: 30, slurm_state: 'RUNNING', generation: 1 }),
  },
} satisfies Scenario;
