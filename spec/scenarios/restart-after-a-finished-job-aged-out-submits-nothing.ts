// The deployer restarts long after d1's job finished; Slurm has forgotten the job.

import { deployment, listed, poll, type Scenario } from '../../streams/testing/index.js';

export default {
  title: 'after a restart, a deployment FINISHED before whose job aged out of Slurm is left as it is',
  proves: 'rule: a terminal state stands; a deployment runs once, not once per deployer start',

  timeline: {
    clock:    't---------t---------t---------',
    config:   '-l----------------------------',
    commands: 'P---------P---------P---------',
  },

  config: {
    l: listed(deployment('d1', { priorState: { status: 'FINISHED', job_id: 3, slurm_state: 'COMPLETED', exit_code: 0, generation: 1 } })),
  },

  commands: { P: poll },
} satisfies Scenario;
