// Property specs of the reducer: random runs against a simulated Slurm cluster and Config DB
// (spec/support/simulated-slurm.ts) in which puts, deletes, ticks, answers in any order, every
// kind of failure, job progress, node failures and restarts interleave. Each property names
// what the deployer promises; a failure prints the seed and the shrunk run (set FC_SEED and
// FC_PATH to replay it, or FC_SCENARIO to the counterexample; FC_VERBOSE=1 prints its timeline).

import fc from 'fast-check';
import { anyEventArb, expectSameSteps, replay } from '../../support/property-events.js';
import { expectNone, runOptions, simulate } from '../../support/property-harness.js';
import { scenarioArb } from '../../support/property-runs.js';

describe('reducer properties', function () {
  this.timeout(60_000);

  it('is total and deterministic: any event in any world gives the same world and commands on replay', () => {
    fc.assert(
      fc.property(fc.array(anyEventArb, { maxLength: 40 }), (events) => {
        expectSameSteps(replay(events), replay(events), 'the second replay');
      }),
      runOptions(false),
    );
  });

  it('replays a simulated run deterministically, from its journal, with the same commands and worlds', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const trace = simulate(scenario);
        expectNone(trace, 'total');
        trace.lives.forEach((events, life) => expectSameSteps(replay(events), trace.steps[life]!, `the replay of life ${life}`));
      }),
      runOptions(),
    );
  });

  it('keeps one job per deployment: never two submits in flight, and after each poll at most one active job it does not cancel', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => expectNone(simulate(scenario), 'oneJob')),
      runOptions(),
    );
  });

  it('never replaces a job whose deployment still has the args it was submitted for', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => expectNone(simulate(scenario), 'unchanged')),
      runOptions(),
    );
  });

  it('touches only what is its own: no foreign job cancelled or looked up, no job id it could not have learnt, no state of other kinds', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => expectNone(simulate(scenario), 'notOurs')),
      runOptions(),
    );
  });

  it('converges once faults stop: each state matches its job (or says why not), no job of a deleted deployment is left, and only changes are written', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => expectNone(simulate(scenario), 'converges')),
      runOptions(),
    );
  });

  it('leaves the Config DB holding the last state it wrote', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => expectNone(simulate(scenario), 'stored')),
      runOptions(),
    );
  });
});

