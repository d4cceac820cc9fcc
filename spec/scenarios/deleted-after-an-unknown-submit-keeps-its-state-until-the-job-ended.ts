// The submit times out after sending (Slurm took it: job 30); then the deployment is deleted.

import { job } from '../support/fixtures.js';
import { after, cancel, deleted, deleteState, deployment, fails, listed, lookup, type Scenario } from '../../streams/testing/index.js';
import { firstSubmitOfD1 } from '../support/scenario-parts.js';

export default {
  title: 'a deployment deleted after a submit of unknown outcome keeps its state until the job a poll then finds is cancelled and a lookup shows it ended',
  proves: 'rule: the state of a deleted deployment goes once its job has ended',

  timeline: {
    clock:    't---------t---------t---------',
    config:   '-l------d---------------------',
    slurm:    '-----r-------c----------------',
    commands: 'P-(Sw)----P-CL-D----P---------',
  },

  config: { l: listed(deployment('d1')), d: deleted('d1') },

  slurm: {
    r: [job(30, 'd1', 'RUNNING')],
    c: [job(30, 'd1', 'CANCELLED')],
  },

  answers: { submitJob: [after(5, fails('unknown-outcome', 'timeout after the request was sent'))] },

  commands: {
    ...firstSubmitOfD1,
    C: cancel('d1', 30, 'deployment removed'),
    L: lookup('d1', 30),
    D: deleteState('d1'),
  },
} satisfies Scenario;
