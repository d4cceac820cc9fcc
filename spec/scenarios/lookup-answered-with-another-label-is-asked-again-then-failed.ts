// A job vanishes from slurmctld's list, and the lookup is answered with a record that is not the
// job: accounting's record of that id without the deployer's mcs label (or another job that took
// the id). That is neither the job nor proof that it is gone: asked again with backoff, then FAILED
// saying what was seen, never RUNNING forever.

import { job } from '../support/fixtures.js';
import { deployment, listed, lookup, submitted, write, type Scenario } from '../../streams/testing/index.js';
import { firstSubmitOfD1, job7OfD1 } from '../support/scenario-parts.js';

export default {
  title: 'a lookup answered with a job of another mcs label is asked again with backoff, then written FAILED saying what was seen',
  proves: 'issue 20: no silent loss of truth: an answer that cannot be matched is never dropped; the deployment never stays RUNNING forever',
  settings: { accounting: true, unmatchedLookup: { attempts: 3, backoff: { baseMs: 4, maxMs: 16 } } },
  delays: { lookupJob: 5 },

  timeline: {
    clock:    't---------t---------t---------t---------t---------',
    config:   '-l------------------------------------------------',
    slurm:    '------r------------a------------------------------',
    commands: 'P-(Sw)p---P-r-------P-L-------(LP)------(LP)-x-----',
  },

  config: { l: listed(deployment('d1')) },

  slurm: {
    r: [job(7, 'd1', 'RUNNING')],
    // Polls list only the deployer's label: job 7 is gone from them, and a lookup finds this record.
    a: [job(7, 'd1', 'COMPLETED', { mcsLabel: '', source: 'accounting', exitCode: { status: 0, signal: 0 } })],
  },

  answers: { submitJob: [submitted(7)] },

  // Each lookup answers 5 frames after it is asked (27, 35); the backoff after it (2-4 frames, then
  // 4-8) is over by the next tick, which asks again (30, 40). The third answer (45) is the bound.
  commands: {
    ...firstSubmitOfD1,
    p: job7OfD1.submitted,
    r: job7OfD1.running,
    L: lookup('d1', 7),
    x: write('d1', {
      status: 'FAILED',
      job_id: 7,
      slurm_state: 'RUNNING',
      reason: 'job lost: job 7: accounting answered with no mcs label, not "sdp_slurm_deployer_test_ns" (3 lookups in a row)',
      generation: 1,
    }),
  },
} satisfies Scenario;
