// A leader submitted d1's job 7 and sent its state and its registry key; the key was stored, then
// it crashed before the state was. The floor had risen to 7 (a registered job is recorded). The
// next term finds d1 naming no job and nothing above the floor: the registry tells it of job 7,
// which it adopts rather than submitting d1 again.

import { job } from '../support/fixtures.js';
import { deployment, pollStates, watermark, write, type Scenario } from '../../streams/testing/index.js';
import { listedWithRegistry, registeredJob, statePollSettings } from '../support/state-poll-parts.js';

export default {
  title: 'after a crash between the registry write and the state write, the job is adopted by its registry key, not made again',
  proves: 'issue 19: exactly once across a crash: a job recorded by its registry key alone is found by the next term',
  settings: { ...statePollSettings, watermark: { everyMs: 1000, takeoverHoldMs: 15 } },

  timeline: {
    clock:    't----t----t----t----t----t----',
    config:   '-l----------------------------',
    slurm:    'r-----------------------------',
    commands: '-M-------------F-a--Q----Q----',
  },

  // The crash left the watermark not clean: the term waits 15 before its first poll.
  config: {
    l: listedWithRegistry({ floor: 7, clean: false }, [registeredJob(7, 'd1')], deployment('d1', { priorState: { status: 'PENDING', generation: 1 } })),
  },

  slurm: { r: [job(7, 'd1', 'RUNNING')] },

  commands: {
    M: watermark(7),
    F: pollStates([7], 7),
    // Its record carries d1's identity for the current args: adopted, no submit.
    a: write('d1', { status: 'RUNNING', job_id: 7, slurm_state: 'RUNNING', generation: 1 }),
    Q: pollStates([7]),
  },
} satisfies Scenario;
