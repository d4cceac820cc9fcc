// Slurm also runs a job of someone else, named and commented like ours, but without our label.

import { job } from '../support/fixtures.js';
import { deleted, deployment, listed, submitted, type Scenario } from '../../streams/testing/index.js';
import { firstSubmitOfD1, job7OfD1, removalOfD1 } from '../support/scenario-parts.js';

const foreign = { ...job(99, 'd1', 'RUNNING'), mcsLabel: 'sdp_slurm_deployer_other_ns' };

export default {
  title: 'a job without our label is neither adopted nor cancelled, even one that names our deployment',
  proves: 'rule: the deployer never reads as its own, nor touches, a job without its mcs_label',

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
    ...removalOfD1,
  },
} satisfies Scenario;
