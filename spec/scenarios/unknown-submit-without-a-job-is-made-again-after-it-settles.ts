// A submit's connection is lost and no job ever comes of it: the deployer waits out the settle
// time (slurmrestd may still hold the request), then one poll that discovers above the floor the
// submit was sent at tells that nothing came, and only then is it made again.

import { job } from '../support/fixtures.js';
import { after, deployment, fails, pollStates, record, submit, submitted, watermark, write, type Scenario } from '../../streams/testing/index.js';
import { listedWith, statePollSettings } from '../support/state-poll-parts.js';

export default {
  title: 'a submit of unknown outcome without a job is made again only after its settle time, once a discovery issued after it shows no job',
  proves: 'issue 19: an unknown outcome stays unknown until Slurm proves it either way, not one poll later',
  settings: { ...statePollSettings, submitSettleMs: 20, pollIntervalMs: 1000, watermark: { everyMs: 1000, takeoverHoldMs: 15 } },
  delays: { pollStates: 5 },

  timeline: {
    clock:    't----t----t----t----t----t----t----t----t----t----t----',
    config:   '-l-----------------------------------------------------',
    slurm:    '-------------------------------------------j-----------',
    commands: '-(MD)-(Sw)------(uE)-E----E----E---lE----(Sw)(pRQ)(sQ)-',
  },

  config: { l: listedWith({ floor: 5, clean: true }, deployment('d1')) },

  // Only the second submit makes a job: 12, at 43.
  slurm: { j: [job(12, 'd1', 'PENDING')] },

  answers: { submitJob: [after(10, fails('unknown-outcome', 'submit: no answer after the request was sent (ECONNRESET)')), submitted(12)] },

  commands: {
    M: watermark(5),
    D: pollStates([], 5),
    S: submit('d1', 'r10'),
    w: write('d1', { status: 'PENDING', generation: 1 }),
    // The reset comes at 16, the clock's last tick 15: the outcome settles at 35 (15 + 20 frames).
    u: write('d1', { status: 'PENDING', reason: 'the outcome of its submit is unknown; Slurm may still create its job: no new submit before 1970-01-01T00:00:00.035Z', generation: 1 }),
    E: pollStates([], 5),
    l: write('d1', { status: 'PENDING', reason: 'the outcome of its submit is unknown; looking for its job in Slurm', generation: 1 }),
    p: write('d1', { status: 'PENDING', job_id: 12, generation: 1 }),
    Q: pollStates([12]),
    s: write('d1', { status: 'PENDING', job_id: 12, slurm_state: 'PENDING', generation: 1 }),
    // The job is registered as soon as its id is known.
    R: record([12]),
  },
} satisfies Scenario;
