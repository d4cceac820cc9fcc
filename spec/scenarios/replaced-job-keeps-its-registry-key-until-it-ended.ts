// d1's args change while its job 7 runs: 7 is cancelled as replaced. Until a poll shows it ended,
// its registry key stays (a crash now leaves the next term the key, and the job is cancelled
// then); once it ended, the key goes, and the new spec's job 9 is registered as its id is known.

import { job } from '../support/fixtures.js';
import { cancel, deployment, pollStates, put, record, submit, submitted, watermark, write, type Scenario } from '../../streams/testing/index.js';
import { listedWithRegistry, registeredJob, statePollSettings } from '../support/state-poll-parts.js';

export default {
  title: 'a replaced job keeps its registry key until a poll shows it ended; then the key goes and the new job is registered',
  proves: 'issue 19: the job registry follows the jobs followed: a job is registered while it may run, and no longer',
  settings: { ...statePollSettings, statePollIntervalMs: 10, watermark: { everyMs: 1000, takeoverHoldMs: 15 } },
  delays: { pollStates: 5, submitJob: 6 },

  timeline: {
    clock:    't----t----t----t----t----t----t----t----',
    config:   '-l---------p----------------------------',
    slurm:    'r------------c-----------------n--------',
    commands: '-(MF)-----Q(wC)-----Q----(SvE)-(pPN)r---',
  },

  config: {
    l: listedWithRegistry({ floor: 7, clean: true }, [registeredJob(7, 'd1')], deployment('d1', { priorState: { status: 'RUNNING', job_id: 7, slurm_state: 'RUNNING', generation: 1 } })),
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
    // Cancelled, but not yet ended: its key stays.
    w: write('d1', { status: 'PENDING', reason: 'waiting for job 7 to end before submitting', generation: 2 }),
    C: cancel('d1', 7, 'replaced'),
    S: submit('d1', 'r11'),
    v: write('d1', { status: 'PENDING', generation: 2 }),
    // The poll answered at 25 shows job 7 CANCELLED: its key goes.
    E: record([], [7]),
    p: write('d1', { status: 'PENDING', job_id: 9, generation: 2 }),
    P: record([9]),
    N: pollStates([9]),
    r: write('d1', { status: 'RUNNING', job_id: 9, slurm_state: 'RUNNING', generation: 2 }),
  },
} satisfies Scenario;
