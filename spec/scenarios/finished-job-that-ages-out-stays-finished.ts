// Slurm forgets a completed job after MinJobAge: that is no loss.

import { job } from '../support/fixtures.js';
import { deployment, listed, submitted, type Scenario } from '../../streams/testing/index.js';
import { firstSubmitOfD1, job7OfD1 } from '../support/scenario-parts.js';

export default {
  title: 'a finished job that ages out of Slurm stays FINISHED: no lookup, no write, no new submit',
  proves: 'rule: a terminal state once seen stands; only a job vanished before it is lost',

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
    ...firstSubmitOfD1,
    p: job7OfD1.submitted,
    r: job7OfD1.running,
    f: job7OfD1.finished,
  },
} satisfies Scenario;
