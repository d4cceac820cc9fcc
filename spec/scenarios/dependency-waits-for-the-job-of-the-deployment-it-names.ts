// b depends on a (after_ok): b waits, saying so, until a's submit is answered, then is submitted
// with Slurm's dependency on a's job.

import { job } from '../support/fixtures.js';
import { deployment, listed, submit, submitted, write, type Scenario } from '../../streams/testing/index.js';
import { firstSubmitOfD1 } from '../support/scenario-parts.js';

const afterA = { script: '#!/bin/bash\ntrue\n', after_ok: ['a'] };

export default {
  title: 'a deployment that depends on another waits for its job, then is submitted depending on that job',
  proves: 'ISSUE 21: a deployment whose dependency has no job yet is PENDING saying what it waits for, and is submitted as soon as the dependency has a job, naming it (afterok:<job id>)',

  timeline: {
    clock:    't-------------------t---------t---------',
    config:   '-l--------------------------------------',
    slurm:    '----------------r---------f-------------',
    commands: 'P-(SwW)-(pTx)-q-----P-(rR)----P-(fF)----',
  },

  config: { l: listed(deployment('a'), deployment('b', { args: afterA })) },

  slurm: {
    // b's job waits in Slurm for a's to end (reason Dependency), then runs.
    r: [job(7, 'a', 'RUNNING'), job(8, 'b', 'PENDING', { reason: 'Dependency' })],
    f: [job(7, 'a', 'COMPLETED', { exitCode: { status: 0, signal: 0 } }), job(8, 'b', 'RUNNING')],
  },

  answers: { submitJob: [submitted(7), submitted(8)] },
  // Submits answer in 6 frames: what each answer causes gets columns of its own.
  delays: { submitJob: 6 },

  commands: {
    P: firstSubmitOfD1.P,
    S: submit('a', 'r10'),
    w: write('a', { status: 'PENDING', generation: 1 }),
    W: write('b', { status: 'PENDING', reason: 'waiting for its dependencies before submitting: a (after_ok) has no job yet', generation: 1 }),
    p: write('a', { status: 'PENDING', job_id: 7, generation: 1 }),
    T: submit('b', 'r10', { options: { dependency: 'afterok:7', kill_on_invalid_dependency: true } }),
    x: write('b', { status: 'PENDING', generation: 1 }),
    q: write('b', { status: 'PENDING', job_id: 8, generation: 1 }),
    r: write('a', { status: 'RUNNING', job_id: 7, slurm_state: 'RUNNING', generation: 1 }),
    R: write('b', { status: 'PENDING', job_id: 8, slurm_state: 'PENDING', reason: 'Dependency', generation: 1 }),
    f: write('a', { status: 'FINISHED', job_id: 7, slurm_state: 'COMPLETED', exit_code: 0, generation: 1 }),
    F: write('b', { status: 'RUNNING', job_id: 8, slurm_state: 'RUNNING', generation: 1 }),
  },
} satisfies Scenario;
