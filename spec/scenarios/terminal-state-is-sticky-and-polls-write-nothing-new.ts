// Polls repeat the same state; the job fails; Slurm later requeues it and then cancels it.

import { job } from '../support/fixtures.js';
import { deployment, listed, submitted, write, type Scenario } from '../../streams/testing/index.js';
import { firstSubmitOfD1, job7OfD1 } from '../support/scenario-parts.js';

export default {
  title: 'a poll that shows nothing new writes nothing, and a terminal state stays whatever Slurm says later',
  proves: 'docs/deployments.md#what-it-reads-and-writes: the state is written only when it changes; terminal states are sticky',

  timeline: {
    clock:    't---------t---------t---------t---------t---------t---------',
    config:   '-l----------------------------------------------------------',
    slurm:    '------r-------------------x----------q---------c------------',
    commands: 'P-(Sw)p---P-r-------P---------P-x-------P---------P---------',
  },

  config: { l: listed(deployment('d1')) },

  slurm: {
    r: [job(7, 'd1', 'RUNNING')],
    x: [job(7, 'd1', 'FAILED', { reason: 'NonZeroExitCode', exitCode: { status: 3, signal: 0 } })],
    q: [job(7, 'd1', 'PENDING', { state: { base: 'PENDING', flags: ['REQUEUED'] } })],
    c: [job(7, 'd1', 'CANCELLED')],
  },

  answers: { submitJob: [submitted(7)] },

  commands: {
    ...firstSubmitOfD1,
    p: job7OfD1.submitted,
    r: job7OfD1.running,
    x: write('d1', { status: 'FAILED', job_id: 7, slurm_state: 'FAILED', reason: 'NonZeroExitCode', exit_code: 3, generation: 1 }),
  },
} satisfies Scenario;
