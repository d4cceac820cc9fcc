// slurmrestd goes away just after the first poll and is back at 35.

import { job } from '../support/fixtures.js';
import { deployment, down, listed, submitted, write, type Scenario } from '../../streams/testing/index.js';
import { firstSubmitOfD1, job7OfD1 } from '../support/scenario-parts.js';

export default {
  title: 'while slurmrestd is down polls and submits fail, the submit backs off, nothing is FAILED; then the deployment runs to FINISHED',
  proves: 'rule: the main stream never dies; transient failures back off and are never FAILED',

  timeline: {
    clock:    'ttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt',
    config:   '-l---------------------------------------------------------------',
    slurm:    '--x--------------------------------u---r---------------d---------',
    commands: 'P-(Sw)e---(SP)------PS--------P--------SP--p------P-r-------P-f--',
  },

  config: { l: listed(deployment('d1')) },

  slurm: {
    x: down('connect ECONNREFUSED 127.0.0.1:6820'),
    u: [],
    r: [job(7, 'd1', 'RUNNING')],
    d: [job(7, 'd1', 'COMPLETED', { exitCode: { status: 0, signal: 0 } })],
  },

  // Submits while Slurm is down fail without using an answer; backoff 4, 7, then 14 frames.
  answers: { submitJob: [submitted(7)] },

  commands: {
    ...firstSubmitOfD1,
    e: write('d1', { status: 'PENDING', reason: 'submit failed, will retry: connect ECONNREFUSED 127.0.0.1:6820', generation: 1 }),
    p: job7OfD1.submitted,
    r: job7OfD1.running,
    f: job7OfD1.finished,
  },
} satisfies Scenario;
