// `command` is an argv list: the job script runs it word for word, with nothing expanded.

import { deployment, listed, poll, submit, submitted, write, type Scenario } from '../../streams/testing/index.js';
import { job7OfD1 } from '../support/scenario-parts.js';

const argv = ['python3', '-c', "print('hi')", '$HOME', 'a b'];

export default {
  title: 'a deployment with a command argv is submitted with a script that single-quotes every word',
  proves: "docs/deployments.md#the-deployments-args: args.command is wrapped into a script; the job builder quotes each word, so the shell expands nothing",

  timeline: {
    clock:    't---------',
    config:   '-l--------',
    commands: 'P-(Sw)p---',
  },

  config: { l: listed(deployment('d1', { args: { command: argv } })) },

  answers: { submitJob: [submitted(7)] },

  commands: {
    P: poll,
    S: submit('d1', 'r10', {
      name: 'd1',
      script: `#!/bin/bash\nexec 'python3' '-c' 'print('\\''hi'\\'')' '$HOME' 'a b'\n`,
      comment: 'sdp-slurm-deployer:deployment=d1;submit=r10;spec=10317f5a8b36f4ee',
    }),
    w: write('d1', { status: 'PENDING', generation: 1 }),
    p: job7OfD1.submitted,
  },
} satisfies Scenario;
