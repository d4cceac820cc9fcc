// A submit times out while slurmrestd still holds it (retrying against slurmctld's rate limit);
// its job lands later. The deployer does not submit again: until the outcome settles it looks
// for the job above the floor the submit was sent at, and adopts it when it shows.

import { job } from '../support/fixtures.js';
import { after, deployment, fails, pollStates, record, submit, watermark, write, type Scenario } from '../../streams/testing/index.js';
import { listedWith, statePollSettings } from '../support/state-poll-parts.js';

export default {
  title: 'a submit of unknown outcome whose job lands late is adopted, and never made twice',
  proves: 'issue 19: exactly once under any slowness of Slurm: no resubmit while an earlier submit of the same deployment may still land',
  settings: { ...statePollSettings, watermark: { everyMs: 1000, takeoverHoldMs: 15 } },
  delays: { pollStates: 5 },

  timeline: {
    clock:    't----t----t----t----t----t----t----t----',
    config:   '-l--------------------------------------',
    slurm:    '--------------------------l-------------',
    commands: '-(MD)-(Sw)------(uE)-E----E----(rRQ)Q---',
  },

  config: { l: listedWith({ floor: 5, clean: true }, deployment('d1')) },

  // The job lands at 26, well after the timeout at 16 (the outcome settles only at 45).
  slurm: { l: [job(9, 'd1', 'RUNNING')] },

  answers: { submitJob: [after(10, fails('unknown-outcome', 'submit: no answer after the request was sent (UND_ERR_HEADERS_TIMEOUT)'))] },

  commands: {
    M: watermark(5),
    D: pollStates([], 5),
    // While the outcome is unknown, each poll looks for the job above the floor it was sent at.
    E: pollStates([], 5),
    r: write('d1', { status: 'RUNNING', job_id: 9, slurm_state: 'RUNNING', generation: 1 }),
    Q: pollStates([9]),
    // The job found is registered as it is adopted.
    R: record([9]),
    S: submit('d1', 'r10'),
    w: write('d1', { status: 'PENDING', generation: 1 }),
    u: write('d1', { status: 'PENDING', reason: 'the outcome of its submit is unknown; Slurm may still create its job: no new submit before 1970-01-01T00:00:00.045Z', generation: 1 }),
  },
} satisfies Scenario;
