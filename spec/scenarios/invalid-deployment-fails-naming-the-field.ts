// Bad args are answered in the state, naming the field; nothing reaches Slurm.

import { deployment, listed, poll, put, write, type Scenario } from '../../streams/testing/index.js';

export default {
  title: 'a deployment with bad args is FAILED naming the field, and no job is submitted',
  proves: 'rule: bad input gets a clear answer: a malformed deployment gets FAILED with a reason that names the bad field, and no job is submitted (docs/deployments.md#what-it-reads-and-writes)',

  timeline: {
    clock:    't---------t---------t---------',
    config:   '-l-------------b--------------',
    commands: 'P-a-------P----b----P---------',
  },

  config: {
    l: listed(deployment('d1', { args: { script: '#!/bin/bash\ntrue\n', time_limit: 'soon' } })),
    b: put(deployment('d2', { args: { command: 'echo hello' } })),
  },

  commands: {
    P: poll,
    a: write('d1', { status: 'FAILED', reason: 'args.time_limit: expected a positive integer', generation: 1 }),
    b: write('d2', { status: 'FAILED', reason: 'args.command: expected a non-empty list of strings', generation: 1 }),
  },
} satisfies Scenario;
