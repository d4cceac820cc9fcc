// Slurm also runs a job of someone else, named and commented like ours, but without our label.

import { job } from '../support/fixtures.js';
import { cancel, deleted, deleteState, deployment, listed, lookup, poll, submit, submitted, write, type Scenario } from '../support/scenario.js';

const foreign = { ...job(99, 'd1', 'RUNNING'), mcsLabel: 'sdp_slurm_deployer_other_ns' };

export default {
  title: 'a job without our label is neither adopted nor cancelled, even one that names our deployment',
  proves: 'ARCHITECTURE: the deployer never reads as its own, nor touches, a job without its mcs_label',

  timeline: {
    clock:    't---------t---------t---------',
    config:   '-l------------d---------------',
    slurm:    'f-----o--------c--------------',
    commands: 'P-(Sw)p---P-r-CL-D--P---------',
  },

  config: { l: listed(deployment('d1')), d: deleted('d1') },

  slurm: {
    f: [foreign],
    o: [foreign, job(7, 'd1', 'RUNNING')],
    c: [foreign, job(7, 'd1', 'CANCELLED')],
  },

  answers: { submitJob: [submitted(7)] },

  commands: {
    P: poll,
    S: submit('d1', 'r10'),
    w: write('d1', { status: 'PENDING', generation: 1 }),
    p: write('d1', { status: 'PENDING', job_id: 7, generation: 1 }),
    r: write('d1', { status: 'RUNNING', job_id: 7, slurm_state: 'RUNNING', generation: 1 }),
    C: cancel('d1', 7, 'deployment removed'),
    L: lookup('d1', 7),
    D: deleteState('d1'),
  },
} satisfies Scenario;
