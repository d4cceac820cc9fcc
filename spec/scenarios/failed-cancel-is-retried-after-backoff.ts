// A labelled job of a deployment that no longer exists; cancelling it fails twice.

import { job } from '../support/fixtures.js';
import { after, cancel, fails, listed, lookup, ok, poll, type Scenario } from '../../streams/testing/index.js';

export default {
  title: 'a cancel that fails is tried again after a backoff that grows, and not before',
  proves: 'rule: retries back off exponentially; a job nobody claims is cancelled until Slurm shows it ended',

  timeline: {
    clock:    'tttttttttttttttttttttttttt',
    config:   '-l------------------------',
    slurm:    's----------c--------------',
    commands: 'P-C--C----(CP)L-----P-----',
  },

  config: { l: listed() },

  slurm: {
    s: [job(5, 'gone', 'RUNNING')],
    c: [job(5, 'gone', 'CANCELLED')],
  },

  // Backoff of cancel:5 with base 4: 2 frames, then 4. The third cancel is answered after its
  // group, so that the lookup confirming the end gets a column of its own.
  answers: { cancelJob: [fails('transient', 'slurmctld not responding'), fails('transient', 'slurmctld not responding'), after(4, ok())] },

  commands: {
    P: poll,
    C: cancel('gone', 5, 'deployment removed'),
    L: lookup('gone', 5),
  },
} satisfies Scenario;
