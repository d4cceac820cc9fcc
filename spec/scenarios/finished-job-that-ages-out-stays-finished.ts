// Slurm forgets a completed job after MinJobAge: that is no loss.

import { job } from '../support/fixtures.js';
import { deployment, listed, poll, submit, submitted, write, type Scenario } from '../support/scenario.js';

export default {
  title: 'a finished job that ages out of Slurm stays FINISHED: no lookup, no write, no new submit',
  proves: 'ARCHITECTURE: a terminal state once seen stands; only a job vanished before it is lost',

  timeline: {
    clock:    't---------t---------t---------t---------',
    config:   '-l--------------------------------------',
    slurm:    '------r--------d-------g----------------',
    commands: 'P-(Sw)p---P-r-------P-f-------P---------',
  },

  config: { l: listed(deployment('d1')) },

  slurm: {
    r: [job(7, 'd1', 'RUNNING')],
    d: [job(7, 'd1', 'COMPLETED', { exitCode: { status: 0, signal: 0 } })],
    g: [],
  },

  answers: { submitJob: [submitted(7)] },

  commands: {
    P: poll,
    S: submit('d1', 'r10'),
    w: write('d1', { status: 'PENDING', generation: 1 }),
    p: write('d1', { status: 'PENDING', job_id: 7, generation: 1 }),
    r: write('d1', { status: 'RUNNING', job_id: 7, slurm_state: 'RUNNING', generation: 1 }),
    f: write('d1', { status: 'FINISHED', job_id: 7, slurm_state: 'COMPLETED', exit_code: 0, generation: 1 }),
  },
} satisfies Scenario;
