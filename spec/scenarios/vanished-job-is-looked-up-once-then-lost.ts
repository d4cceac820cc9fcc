// A running job disappears from Slurm's list without a terminal state ever seen.

import { job } from '../support/fixtures.js';
import { deployment, listed, lookup, submitted, write, type Scenario } from '../../streams/testing/index.js';
import { firstSubmitOfD1, job7OfD1 } from '../support/scenario-parts.js';

export default {
  title: 'a job seen running, then missing, is looked up once by id, then written FAILED as lost',
  proves: 'rule: absence is not success: a vanished job is a lost job, never FINISHED (docs/deployments.md#what-it-reads-and-writes)',

  timeline: {
    clock:    't---------t---------t---------t---------t---------',
    config:   '-l------------------------------------------------',
    slurm:    '------r------------g------------------------------',
    commands: 'P-(Sw)p---P-r-------P-L-------P---------P------x---',
  },

  config: { l: listed(deployment('d1')) },

  slurm: { r: [job(7, 'd1', 'RUNNING')], g: [] },

  answers: { submitJob: [submitted(7)] },

  // A slow lookup (22 -> 47): the polls at 30 and 40 that miss the job again ask nothing more.
  delays: { lookupJob: 25 },

  commands: {
    ...firstSubmitOfD1,
    p: job7OfD1.submitted,
    r: job7OfD1.running,
    L: lookup('d1', 7),
    x: write('d1', {
      status: 'FAILED',
      job_id: 7,
      slurm_state: 'RUNNING',
      reason: 'job lost: it vanished from Slurm before a terminal state was seen',
      generation: 1,
    }),
  },
} satisfies Scenario;
