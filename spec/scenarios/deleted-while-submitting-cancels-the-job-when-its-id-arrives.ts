// The deployment is deleted while its submit is in flight: the job it makes is nobody's.

import { job } from '../support/fixtures.js';
import { after, deleted, deployment, listed, submitted, type Scenario } from '../../streams/testing/index.js';
import { firstSubmitOfD1, removalOfD1 } from '../support/scenario-parts.js';

export default {
  title: 'a deployment deleted while its submit is in flight gets its job cancelled as soon as the job id arrives',
  proves: 'docs/deployments.md#what-it-reads-and-writes: a deleted deployment is acted on at once; a job nobody claims is cancelled; its state goes once a lookup shows the job ended',

  timeline: {
    clock:    't---------t---------',
    config:   '-l----d-------------',
    slurm:    '-------p-c----------',
    commands: 'P-(Sw)--CLPD--------',
  },

  config: { l: listed(deployment('d1')), d: deleted('d1') },

  slurm: {
    p: [job(7, 'd1', 'PENDING')],
    c: [job(7, 'd1', 'CANCELLED')],
  },

  answers: { submitJob: [after(6, submitted(7))] },

  commands: {
    ...firstSubmitOfD1,
    ...removalOfD1,
  },
} satisfies Scenario;
