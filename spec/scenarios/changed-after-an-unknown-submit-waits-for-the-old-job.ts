// The submit times out after sending (Slurm took it: job 30); then the args change.

import { job } from '../support/fixtures.js';
import { after, cancel, deployment, fails, listed, lookup, put, submit, submitted, write, type Scenario } from '../../streams/testing/index.js';
import { firstSubmitOfD1 } from '../support/scenario-parts.js';

const v2 = { script: '#!/bin/bash\necho v2\n' };

export default {
  title: 'args changed after a submit of unknown outcome: the new spec waits until a poll shows the old job, cancelled, and a lookup shows it ended',
  proves: 'rule: no POST is retried blindly; one deployment, one job: cancel, then submit',

  timeline: {
    clock:    't---------t---------t---------t---------',
    config:   '-l------c-------------------------------',
    slurm:    '-----r--------x---------n---------------',
    commands: 'P-(Sw)--b-P-(aC)L---P(Tb)q----P-n-------',
  },

  config: { l: listed(deployment('d1')), c: put(deployment('d1', { args: v2, revision: 11 })) },

  slurm: {
    r: [job(30, 'd1', 'RUNNING')],
    x: [job(30, 'd1', 'CANCELLED')],
    n: [job(30, 'd1', 'CANCELLED'), job(31, 'd1', 'RUNNING', {}, 'r11')],
  },

  answers: { submitJob: [after(5, fails('unknown-outcome', 'timeout after the request was sent')), submitted(31)] },
  // Answers after the groups that issue them: what they cause gets a column of its own.
  delays: { cancelJob: 4, lookupJob: 5 },

  commands: {
    ...firstSubmitOfD1,
    b: write('d1', { status: 'PENDING', generation: 2 }),
    a: write('d1', { status: 'PENDING', reason: 'waiting for job 30 to end before submitting', generation: 2 }),
    C: cancel('d1', 30, 'replaced'),
    L: lookup('d1', 30),
    T: submit('d1', 'r11', { script: v2.script }),
    q: write('d1', { status: 'PENDING', job_id: 31, generation: 2 }),
    n: write('d1', { status: 'RUNNING', job_id: 31, slurm_state: 'RUNNING', generation: 2 }),
  },
} satisfies Scenario;
