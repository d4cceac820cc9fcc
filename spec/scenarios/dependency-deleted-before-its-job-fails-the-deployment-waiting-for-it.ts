// b depends on a (after_ok); a is deleted while its submit is still unanswered: b can never run.
// a's job, when the answer brings its id, is cancelled as any job of a deleted deployment.

import { job } from '../support/fixtures.js';
import { after, cancel, deleted, deleteState, deployment, listed, lookup, submit, submitted, write, type Scenario } from '../../streams/testing/index.js';
import { firstSubmitOfD1 } from '../support/scenario-parts.js';

export default {
  title: 'a deployment whose dependency is deleted before it had a job is FAILED, and is never submitted',
  proves: 'ISSUE 21: one whose dependency is deleted is FAILED with a reason naming it; the deleted deployment\'s job is cancelled all the same',

  timeline: {
    clock:    't---------t---------t---------t---------',
    config:   '-l-------d------------------------------',
    slurm:    '----------------c-----------------------',
    commands: 'P-(SwW)--XP-----CL-DP---------P---------',
  },

  config: { l: listed(deployment('a'), deployment('b', { args: { script: '#!/bin/bash\ntrue\n', after_ok: ['a'] } })), d: deleted('a') },

  slurm: { c: [job(7, 'a', 'CANCELLED')] },

  answers: { submitJob: [after(14, submitted(7))] },

  commands: {
    P: firstSubmitOfD1.P,
    S: submit('a', 'r10'),
    w: write('a', { status: 'PENDING', generation: 1 }),
    W: write('b', { status: 'PENDING', reason: 'waiting for its dependencies before submitting: a (after_ok) has no job yet', generation: 1 }),
    X: write('b', { status: 'FAILED', reason: 'dependency failed: a (after_ok) was deleted', generation: 1 }),
    C: cancel('a', 7, 'deployment removed'),
    L: lookup('a', 7),
    D: deleteState('a'),
  },
} satisfies Scenario;
