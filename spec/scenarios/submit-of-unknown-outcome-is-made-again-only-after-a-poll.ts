// A submit times out and never reached Slurm: the next poll says so, and only then is it made again.

import { job } from '../support/fixtures.js';
import { after, deployment, fails, listed, submitted, write, type Scenario } from '../../streams/testing/index.js';
import { firstSubmitOfD1 } from '../support/scenario-parts.js';

export default {
  title: 'after a submit of unknown outcome, a submit is made again only once a poll issued after it shows no job',
  proves: 'rule: no POST is retried blindly; only a poll issued after the unknown outcome can clear the way for a new submit',

  timeline: {
    clock:    't---------t---------t---------t---------',
    config:   '-l--------------------------------------',
    slurm:    '------------------------r---------------',
    commands: 'P-(Sw)----P---------P-S---p---P-r-------',
  },

  config: { l: listed(deployment('d1')) },

  // Only the second submit reaches Slurm (job 8, at 24).
  slurm: { r: [job(8, 'd1', 'RUNNING')] },

  // The timeout comes at 11: the poll issued at 10 cannot tell, the one issued at 20 can.
  answers: { submitJob: [after(9, fails('unknown-outcome', 'timeout after the request was sent')), submitted(8)] },

  commands: {
    ...firstSubmitOfD1,
    p: write('d1', { status: 'PENDING', job_id: 8, generation: 1 }),
    r: write('d1', { status: 'RUNNING', job_id: 8, slurm_state: 'RUNNING', generation: 1 }),
  },
} satisfies Scenario;
