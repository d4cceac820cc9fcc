// A poll is issued at 10, the submit answers at 11, the poll at 12 without the job.

import { job } from '../support/fixtures.js';
import { after, deployment, listed, poll, submit, submitted, write, type Scenario } from '../support/scenario.js';

export default {
  title: 'a poll issued before the submit answered does not count its job as missing',
  proves: 'ARCHITECTURE: absence is not success, nor loss: only a poll issued after the job existed can show it gone',

  timeline: {
    clock:    't---------t---------t---------',
    config:   '-l----------------------------',
    slurm:    '-----------r------------------',
    commands: 'P-(Sw)----Pp--------P-r-------',
  },

  config: { l: listed(deployment('d1')) },

  slurm: { r: [job(7, 'd1', 'RUNNING')] },

  answers: { submitJob: [after(9, submitted(7))] },

  commands: {
    P: poll,
    S: submit('d1', 'r10'),
    w: write('d1', { status: 'PENDING', generation: 1 }),
    p: write('d1', { status: 'PENDING', job_id: 7, generation: 1 }),
    r: write('d1', { status: 'RUNNING', job_id: 7, slurm_state: 'RUNNING', generation: 1 }),
  },
} satisfies Scenario;
