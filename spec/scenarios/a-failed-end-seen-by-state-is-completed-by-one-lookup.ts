// A state poll shows only a job's state: FAILED, TIMEOUT or CANCELLED come without the exit code
// or Slurm's reason. The job is looked up at once for them, and the end is written with them, once:
// a reader acting on FAILED never sees it bare. The job's registry key goes once its end is stored.

import { job } from '../support/fixtures.js';
import { deployment, lookup, pollStates, record, watermark, write, type Scenario } from '../../streams/testing/index.js';
import { listedWithRegistry, registeredJob, statePollSettings } from '../support/state-poll-parts.js';

export default {
  title: 'a job a state poll shows FAILED is looked up at once, and written FAILED with its exit code',
  proves: 'issue 19: a job\'s end reaches the Config DB within a state poll and a lookup; issue 20: never without its exit code while Slurm has it',
  settings: { ...statePollSettings, statePollIntervalMs: 10, watermark: { everyMs: 1000, takeoverHoldMs: 15 } },
  delays: { lookupJob: 6 },

  timeline: {
    clock:    't----t----t----t----t----t----t----',
    config:   '-l---------------------------------',
    slurm:    'r----------f-----------------------',
    commands: '-(MF)-----Q---------Q-L-----xR-----',
  },

  config: {
    l: listedWithRegistry({ floor: 7, clean: true }, [registeredJob(7, 'd1')], deployment('d1', { priorState: { status: 'RUNNING', job_id: 7, slurm_state: 'RUNNING', generation: 1 } })),
  },

  slurm: {
    r: [job(7, 'd1', 'RUNNING')],
    f: [job(7, 'd1', 'FAILED', { exitCode: { status: 3, signal: 0 }, reason: 'NonZeroExitCode' })],
  },

  commands: {
    M: watermark(7),
    F: pollStates([7], 7),
    Q: pollStates([7]),
    L: lookup('d1', 7),
    // The lookup answers at 28; RUNNING stood till then.
    x: write('d1', { status: 'FAILED', job_id: 7, slurm_state: 'FAILED', reason: 'NonZeroExitCode', exit_code: 3, generation: 1 }),
    // The end is stored (the write answered at 29): the job needs no key any more.
    R: record([], [7]),
  },
} satisfies Scenario;
