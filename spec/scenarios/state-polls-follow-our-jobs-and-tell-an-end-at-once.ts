// Where Slurm serves job states, the deployer asks for its own jobs by id every few seconds: a
// job's end reaches the Config DB at the next state poll, a COMPLETED one with exit code 0
// without another request.

import { job } from '../support/fixtures.js';
import { deployment, pollStates, record, submit, submitted, watermark, write, type Scenario } from '../../streams/testing/index.js';
import { listedWith, statePollSettings } from '../support/state-poll-parts.js';

export default {
  title: 'where Slurm serves job states, a state poll of our own jobs tells a job running and ended, a COMPLETED one without a lookup',
  proves: 'issue 19: states within seconds; the steady poll reads the deployer\'s own jobs by id, not the cluster',
  // The watermark is left alone after the term's first write: the scenario is about the states.
  settings: { ...statePollSettings, watermark: { everyMs: 1000, takeoverHoldMs: 15 } },
  delays: { pollStates: 5 },

  timeline: {
    clock:    't----t----t----t----t----t----t----t----',
    config:   '-l--------------------------------------',
    slurm:    '---------p------r---------c-------------',
    commands: '-(MD)-(Sw)(pRQ)(sQ)-Q----(rQ)-Q----fE---',
  },

  // The last term stopped clean and left floor 5: no wait, and only jobs above 5 are looked for.
  config: { l: listedWith({ floor: 5, clean: true }, deployment('d1')) },

  slurm: {
    p: [job(8, 'd1', 'PENDING')],
    r: [job(8, 'd1', 'RUNNING')],
    c: [job(8, 'd1', 'COMPLETED', { exitCode: { status: 0, signal: 0 } })],
  },

  answers: { submitJob: [submitted(8)] },

  commands: {
    M: watermark(5),
    D: pollStates([], 5),
    S: submit('d1', 'r10'),
    w: write('d1', { status: 'PENDING', generation: 1 }),
    p: write('d1', { status: 'PENDING', job_id: 8, generation: 1 }),
    Q: pollStates([8]),
    s: write('d1', { status: 'PENDING', job_id: 8, slurm_state: 'PENDING', generation: 1 }),
    r: write('d1', { status: 'RUNNING', job_id: 8, slurm_state: 'RUNNING', generation: 1 }),
    f: write('d1', { status: 'FINISHED', job_id: 8, slurm_state: 'COMPLETED', exit_code: 0, generation: 1 }),
    // Registered once its id is known; its key goes once its end is stored.
    R: record([8]),
    E: record([], [8]),
  },
} satisfies Scenario;
