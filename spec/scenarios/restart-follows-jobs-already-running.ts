// The deployer restarts: d1's state names its running job; d2's job was submitted, but the
// deployer died before writing its id.

import { job } from '../support/fixtures.js';
import { deployment, listed, poll, write, type Scenario } from '../../streams/testing/index.js';

export default {
  title: 'after a restart, jobs already in Slurm are followed and nothing is submitted again',
  proves: 'rule: one deployment, one job, across restarts: the state written before, else the job identity, finds the job',

  timeline: {
    clock:    't---------t---------t---------',
    config:   '-l----------------------------',
    slurm:    's--------------f--------------',
    commands: 'P-a-------P---------P-b-------',
  },

  config: {
    l: listed(
      deployment('d1', { priorState: { status: 'RUNNING', job_id: 4, slurm_state: 'RUNNING', generation: 1 } }),
      deployment('d2'),
    ),
  },

  slurm: {
    s: [job(4, 'd1', 'RUNNING'), job(6, 'd2', 'RUNNING')],
    f: [job(4, 'd1', 'COMPLETED', { exitCode: { status: 0, signal: 0 } }), job(6, 'd2', 'RUNNING')],
  },

  commands: {
    P: poll,
    a: write('d2', { status: 'RUNNING', job_id: 6, slurm_state: 'RUNNING', generation: 1 }),
    b: write('d1', { status: 'FINISHED', job_id: 4, slurm_state: 'COMPLETED', exit_code: 0, generation: 1 }),
  },
} satisfies Scenario;
