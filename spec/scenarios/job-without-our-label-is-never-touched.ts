// Slurm also runs a job of someone else, named and commented like ours, but without our label.

import { job } from '../support/fixtures.js';
import { cancel, deleted, deleteState, deployment, listed, lookup, submitted, type Scenario } from '../support/scenario.js';
import { firstSubmitOfD1, job7OfD1 } from '../support/scenario-parts.js';

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
    ...firstSubmitOfD1,
    p: job7OfD1.submitted,
    r: job7OfD1.running,
    C: cancel('d1', 7, 'deployment removed'),
    L: lookup('d1', 7),
    D: deleteState('d1'),
  },
} satisfies Scenario;
