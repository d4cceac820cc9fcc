// A poll is issued at 10, the submit answers at 11, the poll at 12 without the job.

import { job } from '../support/fixtures.js';
import { after, deployment, listed, submitted, type Scenario } from '../../streams/testing/index.js';
import { firstSubmitOfD1, job7OfD1 } from '../support/scenario-parts.js';

export default {
  title: 'a poll issued before the submit answered does not count its job as missing',
  proves: 'rule: absence is not success, nor loss: only a poll issued after the job existed can show it gone',

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
    ...firstSubmitOfD1,
    p: job7OfD1.submitted,
    r: job7OfD1.running,
  },
} satisfies Scenario;
