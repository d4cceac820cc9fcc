// After a crash two labelled jobs serve one deployment: keep the oldest, cancel the other.

import { job } from '../support/fixtures.js';
import { deployment, cancel, listed, lookup, poll, write, type Scenario } from '../../streams/testing/index.js';

export default {
  title: 'two labelled jobs of one deployment at start: the oldest is kept, the other cancelled as a duplicate',
  proves: 'rule: one deployment, one job; a duplicate is cancelled with why "duplicate" and named in the state',

  timeline: {
    clock:    't---------t---------t---------',
    config:   '-l----------------------------',
    slurm:    's---c----------r--------------',
    commands: 'P-(aC)L---P---------P-r-------',
  },

  config: { l: listed(deployment('d1')) },

  // The cancel is answered after its group: the lookup confirming the end gets a column of its own.
  delays: { cancelJob: 4 },

  slurm: {
    s: [job(52, 'd1', 'RUNNING'), job(51, 'd1', 'PENDING')],
    c: [job(51, 'd1', 'PENDING'), job(52, 'd1', 'CANCELLED')],
    r: [job(51, 'd1', 'RUNNING'), job(52, 'd1', 'CANCELLED')],
  },

  commands: {
    P: poll,
    a: write('d1', { status: 'PENDING', job_id: 51, slurm_state: 'PENDING', generation: 1, duplicate_jobs: [52] }),
    C: cancel('d1', 52, 'duplicate'),
    L: lookup('d1', 52),
    r: write('d1', { status: 'RUNNING', job_id: 51, slurm_state: 'RUNNING', generation: 1, duplicate_jobs: [52] }),
  },
} satisfies Scenario;
