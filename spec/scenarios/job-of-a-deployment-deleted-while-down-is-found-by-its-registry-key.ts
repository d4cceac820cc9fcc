// No deployer ran while d1 was deleted; ska-sdp-config deleted its state with it. Its job 7 is at
// the persisted floor: no state names it, and a discovery looks only above the floor. The job
// registry still holds it: the first poll asks for it by id, and it is cancelled as a stray.

import { job } from '../support/fixtures.js';
import { cancel, pollStates, record, watermark, type Scenario } from '../../streams/testing/index.js';
import { listedWithRegistry, registeredJob, statePollSettings } from '../support/state-poll-parts.js';

export default {
  title: 'a job whose deployment was deleted, state and all, while no deployer ran is found by its registry key and cancelled',
  proves: 'issue 19: with state polls, every job of the deployer is found again after a stop, also below the job-id floor',
  settings: { ...statePollSettings, watermark: { everyMs: 1000, takeoverHoldMs: 15 } },
  delays: { pollStates: 4 },

  timeline: {
    clock:    't----t----t----t----t----',
    config:   '-l-----------------------',
    slurm:    'r-----c------------------',
    commands: '-(MF)(CQ)-Q---R----------',
  },

  // The last term stopped cleanly with job 7 registered and the floor at 7.
  config: { l: listedWithRegistry({ floor: 7, clean: true }, [registeredJob(7, 'd1')]) },

  slurm: { r: [job(7, 'd1', 'RUNNING')], c: [job(7, 'd1', 'CANCELLED')] },

  commands: {
    M: watermark(7),
    // The first poll asks for the registered job as well as discovering above the floor.
    F: pollStates([7], 7),
    // Its record carries the registry's deployment and identity: d1 is gone, so it is a stray.
    C: cancel('d1', 7, 'deployment removed'),
    Q: pollStates([7]),
    // The poll issued at 5 went before the cancel was answered; the one issued at 10 shows it
    // CANCELLED: nobody follows it any more, and its key goes.
    R: record([], [7]),
  },
} satisfies Scenario;
