// A marble scenario of the embedder's own, run through the package's deployer() and reducer
// (`runScenario`), and the reducer alone, from the pure entry (`sdp-slurm-deployer/core`): a
// deployment listed is submitted once the first poll is in, and its job's states are written as
// Slurm shows them.
// Run: node out/own-scenario.js (after compiling with this folder's tsconfig.json).

import assert from 'node:assert/strict';
import { createReducer, initialWorld, type DeployerEvent } from 'sdp-slurm-deployer/core';
import { deployment, listed, poll, runScenario, scenarioSettings, slurmJob, submit, submitted, write, type Scenario } from 'sdp-slurm-deployer/testing';

const completes: Scenario = {
  title: 'a job RUNNING then COMPLETED is written RUNNING, then FINISHED',
  proves: 'the statuses an embedding relies on',
  // One column, one frame (1 ms); a poll every 10 frames; a submit answers after 4.
  timeline: {
    clock:    't---------t---------t---------',
    config:   '-l----------------------------',
    slurm:    '------r---------c-------------',
    commands: 'P-(Sw)p---P-R-------P-F-------',
  },
  config: { l: listed(deployment('d1')) },
  slurm: {
    r: [slurmJob(7, 'd1', 'RUNNING')],
    c: [slurmJob(7, 'd1', 'COMPLETED', { exitCode: { status: 0, signal: 0 } })],
  },
  answers: { submitJob: [submitted(7)] },
  commands: {
    P: poll,
    S: submit('d1', 'r10', { name: 'd1' }),
    w: write('d1', { status: 'PENDING', generation: 1 }),
    p: write('d1', { status: 'PENDING', job_id: 7, generation: 1 }),
    R: write('d1', { status: 'RUNNING', job_id: 7, slurm_state: 'RUNNING', generation: 1 }),
    F: write('d1', { status: 'FINISHED', job_id: 7, slurm_state: 'COMPLETED', exit_code: 0, generation: 1 }),
  },
};

runScenario(completes);
console.log(`scenario passed: ${completes.title}`);

// The same scenario expecting FINISHED one poll early (and RUNNING after it) fails, with a report.
assert.throws(
  () => runScenario({ ...completes, timeline: { ...completes.timeline, commands: 'P-(Sw)p---P-F-------P-R-------' } }),
  (error: unknown) => error instanceof assert.AssertionError && error.message.includes('the commands differ'),
);
console.log('a wrong expectation is reported');

// The reducer alone: nothing is submitted before Slurm was polled once.
const reduce = createReducer(scenarioSettings);
const events: DeployerEvent[] = [
  { type: 'configListed', deployments: [deployment('d1')], invalid: [] },
  { type: 'tick', now: 1_800_000_000_000 },
];
let world = initialWorld;
const issued: string[] = [];
for (const event of events) {
  const step = reduce(world, event);
  world = step.world;
  issued.push(...step.commands.map((command) => command.type));
}
assert.deepEqual(issued, ['pollJobs']);
console.log(`the reducer alone: ${issued.join(', ')} first`);
