// A job in a state this deployer does not know: UNSET, with the raw state in the record.

import { job } from '../support/fixtures.js';
import { deployment, listed, submitted, write, type Scenario } from '../../streams/testing/index.js';
import { firstSubmitOfD1, job7OfD1 } from '../support/scenario-parts.js';

export default {
  title: 'a job in a Slurm state the deployer does not know is written UNSET with the raw state, then followed on',
  proves: 'docs/deployments.md#what-it-reads-and-writes: an unknown state gives UNSET with the raw state recorded, never a terminal status',

  timeline: {
    clock:    't---------t---------t---------',
    config:   '-l----------------------------',
    slurm:    '------u---------r-------------',
    commands: 'P-(Sw)p---P-u-------P-r-------',
  },

  config: { l: listed(deployment('d1')) },

  slurm: {
    u: [job(7, 'd1', 'HIBERNATING')],
    r: [job(7, 'd1', 'RUNNING')],
  },

  answers: { submitJob: [submitted(7)] },

  commands: {
    ...firstSubmitOfD1,
    p: job7OfD1.submitted,
    u: write('d1', { status: 'UNSET', job_id: 7, slurm_state: 'HIBERNATING', reason: 'unknown Slurm job state HIBERNATING', generation: 1 }),
    r: job7OfD1.running,
  },
} satisfies Scenario;
