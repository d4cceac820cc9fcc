// A job in a state this deployer does not know: UNSET, with the raw state in the record.

import { job } from '../support/fixtures.js';
import { deployment, listed, poll, submit, submitted, write, type Scenario } from '../support/scenario.js';

export default {
  title: 'a job in a Slurm state the deployer does not know is written UNSET with the raw state, then followed on',
  proves: 'CONTRACT 4: an unknown state gives UNSET with the raw state recorded, never a terminal status',

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
    P: poll,
    S: submit('d1', 'r10'),
    w: write('d1', { status: 'PENDING', generation: 1 }),
    p: write('d1', { status: 'PENDING', job_id: 7, generation: 1 }),
    u: write('d1', { status: 'UNSET', job_id: 7, slurm_state: 'HIBERNATING', reason: 'unknown Slurm job state HIBERNATING', generation: 1 }),
    r: write('d1', { status: 'RUNNING', job_id: 7, slurm_state: 'RUNNING', generation: 1 }),
  },
} satisfies Scenario;
