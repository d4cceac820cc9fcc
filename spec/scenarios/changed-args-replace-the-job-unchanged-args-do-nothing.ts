// The args of a running deployment change; later the same args are put again.

import { job } from '../support/fixtures.js';
import { cancel, deployment, listed, lookup, put, submit, submitted, write, type Scenario } from '../../streams/testing/index.js';
import { firstSubmitOfD1, job7OfD1 } from '../support/scenario-parts.js';

const v2 = { script: '#!/bin/bash\necho v2\n' };

export default {
  title: 'changed args cancel the job as replaced, then submit the new spec once a lookup shows it ended, as generation 2; unchanged args do nothing',
  proves: 'rule: one deployment, one job (cancel, then submit); unchanged args never cause a resubmit',

  timeline: {
    clock:    't---------t---------t---------t---------',
    config:   '-l-------------c-------------u----------',
    slurm:    '------r------------x-----n--------------',
    commands: 'P-(Sw)p---P-r--(aC)LP(Tb)q----P-n-------',
  },

  config: {
    l: listed(deployment('d1')),
    c: put(deployment('d1', { args: v2, revision: 11 })),
    u: put(deployment('d1', { args: v2, revision: 12 })),
  },

  slurm: {
    r: [job(7, 'd1', 'RUNNING')],
    x: [job(7, 'd1', 'CANCELLED')],
    n: [job(7, 'd1', 'CANCELLED'), job(8, 'd1', 'RUNNING', {}, 'r11')],
  },

  answers: { submitJob: [submitted(7), submitted(8)] },
  // The cancel is answered after its group: its lookup gets a column of its own.
  delays: { cancelJob: 4 },

  commands: {
    ...firstSubmitOfD1,
    p: job7OfD1.submitted,
    r: job7OfD1.running,
    a: write('d1', { status: 'PENDING', reason: 'waiting for job 7 to end before submitting', generation: 2 }),
    C: cancel('d1', 7, 'replaced'),
    L: lookup('d1', 7),
    T: submit('d1', 'r11', { script: v2.script }),
    b: write('d1', { status: 'PENDING', generation: 2 }),
    q: write('d1', { status: 'PENDING', job_id: 8, generation: 2 }),
    n: write('d1', { status: 'RUNNING', job_id: 8, slurm_state: 'RUNNING', generation: 2 }),
  },
} satisfies Scenario;
