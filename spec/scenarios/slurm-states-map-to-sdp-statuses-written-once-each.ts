// A job reported PENDING, RUNNING, COMPLETING (v0.0.38 prints the flag alone), then COMPLETED.

import { job } from '../support/fixtures.js';
import { deployment, listed, poll, submit, submitted, write, type Scenario } from '../support/scenario.js';

export default {
  title: 'a job PENDING, RUNNING, COMPLETING, COMPLETED is written PENDING, RUNNING, RUNNING, FINISHED, once per change',
  proves: 'CONTRACT 4: Slurm states map to SDP statuses (a flag-only COMPLETING is RUNNING); a state is written only when it changes',

  timeline: {
    clock:    't---------t---------t---------t---------t---------t---------',
    config:   '-l-----------------------------------------------------------',
    slurm:    '------p---------r---------c---------------d-----------------',
    commands: 'P-(Sw)p---P-q-------P-r-------P-c-------P---------P-f-------',
  },

  config: { l: listed(deployment('d1')) },

  slurm: {
    p: [job(7, 'd1', 'PENDING')],
    r: [job(7, 'd1', 'RUNNING')],
    c: [job(7, 'd1', '', { state: { flags: ['COMPLETING'] } })],
    d: [job(7, 'd1', 'COMPLETED', { exitCode: { status: 0, signal: 0 } })],
  },

  answers: { submitJob: [submitted(7)] },

  commands: {
    P: poll,
    S: submit('d1', 'r10'),
    w: write('d1', { status: 'PENDING', generation: 1 }),
    p: write('d1', { status: 'PENDING', job_id: 7, generation: 1 }),
    q: write('d1', { status: 'PENDING', job_id: 7, slurm_state: 'PENDING', generation: 1 }),
    r: write('d1', { status: 'RUNNING', job_id: 7, slurm_state: 'RUNNING', generation: 1 }),
    c: write('d1', { status: 'RUNNING', job_id: 7, slurm_state: 'COMPLETING', generation: 1 }),
    f: write('d1', { status: 'FINISHED', job_id: 7, slurm_state: 'COMPLETED', exit_code: 0, generation: 1 }),
  },
} satisfies Scenario;
