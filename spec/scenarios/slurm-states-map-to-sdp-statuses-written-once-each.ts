// A job reported PENDING, RUNNING, COMPLETING (v0.0.38 prints the flag alone), then COMPLETED.

import { job } from '../support/fixtures.js';
import { deployment, listed, submitted, write, type Scenario } from '../../streams/testing/index.js';
import { completing, firstSubmitOfD1, job7OfD1 } from '../support/scenario-parts.js';

export default {
  title: 'a job PENDING, RUNNING, COMPLETING, COMPLETED is written PENDING, RUNNING, RUNNING, FINISHED, once per change',
  proves: 'docs/deployments.md#what-it-reads-and-writes: Slurm states map to SDP statuses (a flag-only COMPLETING is RUNNING); a state is written only when it changes',

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
    c: [completing(7, 'd1')],
    d: [job(7, 'd1', 'COMPLETED', { exitCode: { status: 0, signal: 0 } })],
  },

  answers: { submitJob: [submitted(7)] },

  commands: {
    ...firstSubmitOfD1,
    p: job7OfD1.submitted,
    q: write('d1', { status: 'PENDING', job_id: 7, slurm_state: 'PENDING', generation: 1 }),
    r: job7OfD1.running,
    c: write('d1', { status: 'RUNNING', job_id: 7, slurm_state: 'COMPLETING', generation: 1 }),
    f: job7OfD1.finished,
  },
} satisfies Scenario;
