// After a restart, a job is known from state polls only: its state, not its identity (no comment
// to read). When its deployment's args change, it is cancelled as the old spec's job, never taken
// for the new spec's on the grounds that it names no spec (as a job of an older deployer would).

import { job } from '../support/fixtures.js';
import { cancel, deployment, pollStates, put, record, submit, submitted, watermark, write, type Scenario } from '../../streams/testing/index.js';
import { listedWith, statePollSettings } from '../support/state-poll-parts.js';

export default {
  title: 'changed args cancel a job known from state polls only, and submit the new spec once it ended',
  proves: 'docs/deployments.md#what-it-reads-and-writes: changed args replace the job; a job whose identity is unread is not adopted for another spec',
  settings: { ...statePollSettings, statePollIntervalMs: 10, watermark: { everyMs: 1000, takeoverHoldMs: 15 } },
  delays: { pollStates: 5, submitJob: 6 },

  timeline: {
    clock:    't----t----t----t----t----t----t----t----',
    config:   '-l---------p----------------------------',
    slurm:    'r------------c-----------------n--------',
    commands: '-(MF)-R---Q(wC)-----Q----(SvE)-(pPN)r---',
  },

  // The last term kept no job registry (an older version): job 7 is registered now, with no identity.
  config: {
    l: listedWith({ floor: 7, clean: true }, deployment('d1', { priorState: { status: 'RUNNING', job_id: 7, slurm_state: 'RUNNING', generation: 1 } })),
    p: put(deployment('d1', { revision: 11, args: { script: 'v2' } })),
  },

  slurm: {
    r: [job(7, 'd1', 'RUNNING')],
    c: [job(7, 'd1', 'CANCELLED')],
    n: [job(7, 'd1', 'CANCELLED'), job(9, 'd1', 'RUNNING', {}, 'r11')],
  },

  answers: { submitJob: [submitted(9)] },

  commands: {
    M: watermark(7),
    F: pollStates([7], 7),
    Q: pollStates([7]),
    w: write('d1', { status: 'PENDING', reason: 'waiting for job 7 to end before submitting', generation: 2 }),
    C: cancel('d1', 7, 'replaced'),
    // No state records job 7 any more (it names the new spec); its registry key does: the floor stays.
    R: record([7]),
    E: record([], [7]),
    P: record([9]),
    S: submit('d1', 'r11'),
    v: write('d1', { status: 'PENDING', generation: 2 }),
    p: write('d1', { status: 'PENDING', job_id: 9, generation: 2 }),
    N: pollStates([9]),
    r: write('d1', { status: 'RUNNING', job_id: 9, slurm_state: 'RUNNING', generation: 2 }),
  },
} satisfies Scenario;
