// Where Slurm serves job states, a cancelled job is confirmed ended by the next state poll, which
// asks for it by id anyway: no lookups after a cancel (each costs slurmctld two RPCs, and a
// thousand of them at once were most of the cost of deleting a burst).

import { job } from '../support/fixtures.js';
import { cancel, deleted, deleteState, deployment, pollStates, record, watermark, type Scenario } from '../../streams/testing/index.js';
import { listedWithRegistry, registeredJob, statePollSettings } from '../support/state-poll-parts.js';

export default {
  title: 'a deleted deployment\'s job is cancelled, confirmed ended by the next state poll (no lookup), then its state removed',
  proves: 'issue 19: cancels are confirmed by the next state poll, not by a lookup storm',
  settings: { ...statePollSettings, watermark: { everyMs: 1000, takeoverHoldMs: 15 } },

  timeline: {
    clock:    't----t----t----t----t----t----',
    config:   '-l---------d------------------',
    slurm:    'r------------c----------------',
    commands: '-(MF)Q----QC---Q-(DR)---------',
  },

  // The job the state names (7) is at or below the floor: followed by id, not looked for. The
  // last term registered it.
  config: {
    l: listedWithRegistry({ floor: 7, clean: true }, [registeredJob(7, 'd1')], deployment('d1', { priorState: { status: 'RUNNING', job_id: 7, slurm_state: 'RUNNING', generation: 1 } })),
    d: deleted('d1'),
  },

  slurm: { r: [job(7, 'd1', 'RUNNING')], c: [job(7, 'd1', 'CANCELLED')] },

  commands: {
    M: watermark(7),
    F: pollStates([7], 7),
    Q: pollStates([7]),
    // Its state went with the deployment; its registry key still records job 7 for a next term,
    // so the floor stays where it is.
    C: cancel('d1', 7, 'deployment removed'),
    // The poll issued at 10 answered before the cancel; the one issued at 15 shows it CANCELLED:
    // its state, and its key, go.
    D: deleteState('d1'),
    R: record([], [7]),
  },
} satisfies Scenario;
