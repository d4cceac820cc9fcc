// A chain a -> b -> c (after_ok). The deployer dies after b's submit made job 5 but before b's
// state named it; c was waiting for b. It starts again: a's state names job 4, b's names none.

import { job } from '../support/fixtures.js';
import { deployment, listed, poll, submit, submitted, write, type Scenario } from '../../streams/testing/index.js';

const script = '#!/bin/bash\ntrue\n';
const waitingForB = 'waiting for its dependencies before submitting: b (after_ok) has no job yet';

export default {
  title: 'after a restart in the middle of a chain, jobs already made are followed and only the rest is submitted, depending on them',
  proves: 'ISSUE 21: crash-safety with dependencies: no duplicate (b is not submitted again, its job is found by its identity) and no lost link (c depends on the job b has)',

  timeline: {
    clock:    't---------t---------t---------',
    config:   '-l----------------------------',
    slurm:    's--------n--------------------',
    commands: 'P-(bTc)-x-P-y-------P---------',
  },

  config: {
    l: listed(
      deployment('a', { priorState: { status: 'RUNNING', job_id: 4, slurm_state: 'RUNNING', generation: 1 } }),
      deployment('b', { args: { script, after_ok: ['a'] }, priorState: { status: 'PENDING', generation: 1 } }),
      deployment('c', { args: { script, after_ok: ['b'] }, priorState: { status: 'PENDING', reason: waitingForB, generation: 1 } }),
    ),
  },

  slurm: {
    s: [job(4, 'a', 'RUNNING'), job(5, 'b', 'PENDING', { reason: 'Dependency' })],
    n: [job(4, 'a', 'RUNNING'), job(5, 'b', 'PENDING', { reason: 'Dependency' }), job(6, 'c', 'PENDING', { reason: 'Dependency' })],
  },

  answers: { submitJob: [submitted(6)] },
  delays: { submitJob: 6 },

  commands: {
    P: poll,
    b: write('b', { status: 'PENDING', job_id: 5, slurm_state: 'PENDING', reason: 'Dependency', generation: 1 }),
    T: submit('c', 'r10', { options: { dependency: 'afterok:5', kill_on_invalid_dependency: true } }),
    c: write('c', { status: 'PENDING', generation: 1 }),
    x: write('c', { status: 'PENDING', job_id: 6, generation: 1 }),
    y: write('c', { status: 'PENDING', job_id: 6, slurm_state: 'PENDING', reason: 'Dependency', generation: 1 }),
  },
} satisfies Scenario;
