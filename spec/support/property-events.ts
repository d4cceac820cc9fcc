// Arbitrary events for the reducer's totality property, and the replay that passes worlds through JSON.

import { expect } from 'chai';
import fc from 'fast-check';
import { type DeploymentState } from '../../lib/core/deployment-state.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import type { Failure, FailureKind } from '../../lib/core/failure.js';
import { formatJobIdentity, type SlurmJob } from '../../lib/core/slurm-job.js';
import { initialWorld, type World } from '../../lib/core/world.js';
import { worldFromJson, worldToJson, type WorldJson } from '../../lib/core/world-json.js';
import type { Reducer } from '../../lib/core/reducer.js';
import { LABEL } from './fixtures.js';

// ---------------------------------------------------------------------------------------------
// Arbitrary events, not only plausible ones: the reducer is total.
import { reduce, T0, IDS, ARGS } from './property-runs.js';
import { stepJson, type StepJson } from './property-trace.js';

export const jobStateArb = fc.record({
  base: fc.option(fc.constantFrom('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'WEIRD', ''), { nil: undefined }),
  flags: fc.subarray(['COMPLETING', 'REQUEUED', 'CONFIGURING', 'STOPPED', 'ODD']),
});

export const jobArb: fc.Arbitrary<SlurmJob> = fc.record({
  jobId: fc.integer({ min: 1, max: 6 }),
  name: fc.constantFrom(...IDS, 'other', ''),
  mcsLabel: fc.constantFrom(LABEL, 'other', ''),
  comment: fc.oneof(
    fc.constant(''),
    fc.record({ deploymentId: fc.constantFrom(...IDS), submitId: fc.constantFrom('r1', 'r2', 'r3') }).map(formatJobIdentity),
    fc.constantFrom('sdp-slurm-deployer:', 'sdp-slurm-deployer:deployment=;submit=', 'sdp-slurm-deployer:deployment=d1'),
  ),
  state: jobStateArb,
  reason: fc.constantFrom('None', '', 'Priority'),
  partial: fc.option(fc.boolean(), { nil: undefined }),
}, { requiredKeys: ['jobId', 'name', 'mcsLabel', 'comment', 'state', 'reason'] });

export const stateArb: fc.Arbitrary<DeploymentState> = fc.record(
  {
    status: fc.constantFrom('PENDING', 'RUNNING', 'FINISHED', 'CANCELLED', 'FAILED', 'UNSET'),
    job_id: fc.integer({ min: 1, max: 6 }),
    reason: fc.string(),
    generation: fc.integer({ min: -1, max: 3 }),
  },
  { requiredKeys: ['status'] },
);

export const failureArb: fc.Arbitrary<Failure> = fc.record({ kind: fc.constantFrom<FailureKind>('transient', 'auth', 'permanent', 'unknown-outcome'), message: fc.string() });
export const anyId = fc.constantFrom(...IDS, 'ghost');
export const entryArb = fc.record({
  id: anyId,
  kind: fc.constantFrom('slurm', 'helm'),
  args: fc.oneof(fc.constantFrom(...ARGS), fc.jsonValue()),
  revision: fc.integer({ min: 0, max: 20 }),
  priorState: fc.option(stateArb, { nil: undefined }),
});
export const invalidArb = fc.record({ id: anyId, reason: fc.string(), revision: fc.integer({ min: 0, max: 20 }) });
export const jobId = fc.integer({ min: 1, max: 6 });
export const submitId = fc.constantFrom('r1', 'r2', 'r3', 'r10');

const inFlightArb = fc.record({ deployment: anyId, submitId }, { requiredKeys: ['deployment', 'submitId'] });
export const watermarkArb = fc.record(
  {
    floor: fc.integer({ min: 0, max: 8 }),
    clean: fc.boolean(),
    inFlight: fc.array(fc.oneof(inFlightArb, fc.record({ deployment: anyId, submitId, settleAt: fc.integer({ min: 0, max: 100_000 }) })), { maxLength: 3 }),
  },
  { requiredKeys: ['floor', 'clean'] },
);

export const anyEventArb: fc.Arbitrary<DeployerEvent> = fc.oneof(
  fc.record(
    {
      type: fc.constant('configListed' as const),
      deployments: fc.array(entryArb, { maxLength: 3 }),
      invalid: fc.array(invalidArb, { maxLength: 2 }),
      orphanStates: fc.array(anyId, { maxLength: 2 }),
      orphanJobs: fc.array(fc.record({ id: anyId, jobId }), { maxLength: 2 }),
      watermark: watermarkArb,
    },
    { requiredKeys: ['type', 'deployments', 'invalid'] },
  ),
  fc.record({ type: fc.constant('deploymentPut' as const), deployment: entryArb }),
  fc.record({ type: fc.constant('deploymentInvalid' as const), invalid: invalidArb }),
  fc.record({ type: fc.constant('deploymentDeleted' as const), id: anyId }),
  fc.record({ type: fc.constant('tick' as const), now: fc.integer({ min: -1000, max: 200_000 }).map((n) => T0 + n) }),
  fc.record({ type: fc.constant('jobsPolled' as const), pollId: fc.integer({ min: 0, max: 5 }), jobs: fc.array(jobArb, { maxLength: 4 }) }),
  fc.record({ type: fc.constant('pollFailed' as const), pollId: fc.integer({ min: 0, max: 5 }), failure: failureArb }),
  fc.record(
    {
      type: fc.constant('statesPolled' as const),
      pollId: fc.integer({ min: 0, max: 5 }),
      states: fc.array(fc.record({ jobId, state: jobStateArb }), { maxLength: 4 }),
      maxJobId: fc.integer({ min: 0, max: 8 }),
      discovered: fc.array(jobArb, { maxLength: 3 }),
    },
    { requiredKeys: ['type', 'pollId', 'states'] },
  ),
  fc.record({ type: fc.constant('statesPollFailed' as const), pollId: fc.integer({ min: 0, max: 5 }), failure: failureArb }),
  fc.record({ type: fc.constant('watermarkWritten' as const), watermark: watermarkArb }),
  fc.record({ type: fc.constant('watermarkWriteFailed' as const), watermark: watermarkArb, failure: failureArb }),
  fc.record({ type: fc.constant('jobSubmitted' as const), id: anyId, submitId, jobId }),
  fc.record({ type: fc.constant('submitFailed' as const), id: anyId, submitId, failure: failureArb }),
  fc.record({ type: fc.constant('jobLookedUp' as const), id: anyId, jobId, job: fc.option(jobArb, { nil: undefined }) }, { requiredKeys: ['type', 'id', 'jobId'] }),
  fc.record({ type: fc.constant('lookupFailed' as const), id: anyId, jobId, failure: failureArb }),
  fc.record({ type: fc.constant('jobCancelled' as const), id: anyId, jobId }),
  fc.record({ type: fc.constant('cancelFailed' as const), id: anyId, jobId, failure: failureArb }),
  fc.record({ type: fc.constant('stateWritten' as const), id: anyId, state: stateArb }),
  fc.record({ type: fc.constant('stateWriteFailed' as const), id: anyId, state: stateArb, failure: failureArb }),
  fc.record({ type: fc.constant('stateDeleted' as const), id: anyId }),
  fc.record({ type: fc.constant('stateDeleteFailed' as const), id: anyId, failure: failureArb }),
);

/**
 * Replays a journal (events through JSON) from the initial world, the world also passing
 * through JSON (worldToJson, worldFromJson) before each step: nothing outside the world decides.
 */
export function replay(events: readonly DeployerEvent[], reducer: Reducer = reduce): StepJson[] {
  let world: World = initialWorld;
  const steps: StepJson[] = [];
  for (const event of JSON.parse(JSON.stringify(events)) as DeployerEvent[]) {
    const step = reducer(worldFromJson(JSON.parse(JSON.stringify(worldToJson(world))) as WorldJson), event);
    world = step.world;
    steps.push(stepJson(step.world, step.commands));
  }
  return steps;
}

/** Fails at the first step where two runs differ, showing where their JSON parts. */
export function expectSameSteps(actual: readonly StepJson[], expected: readonly StepJson[], what: string): void {
  expect(actual.length, `${what}: the number of steps`).to.equal(expected.length);
  expected.forEach((step, i) => {
    for (const part of ['commands', 'world'] as const) {
      const [a, b] = [actual[i]![part], step[part]];
      if (a === b) continue;
      let at = 0;
      while (a[at] === b[at]) at++;
      const around = (text: string) => text.slice(Math.max(0, at - 100), at + 60);
      expect.fail(`${what}, step ${i}: the ${part} differ\n  replayed: ...${around(a)}...\n  recorded: ...${around(b)}...`);
    }
  });
}

