// Property specs of the reducer: random runs against a simulated Slurm cluster and Config DB
// (spec/support/simulated-slurm.ts) in which puts, deletes, ticks, answers in any order, every
// kind of failure, job progress, node failures, late landings of submits, clean stops and crashes
// interleave. Every property runs in both modes of reading Slurm: full lists (older settings and
// servers without `GET /jobs/state`) and state polls (by id, discovery above the job-id floor, the
// watermark). Each property names what the deployer promises; a failure prints the seed and the
// shrunk run (set FC_SEED and FC_PATH to replay it, or FC_SCENARIO to the counterexample;
// FC_VERBOSE=1 prints its timeline; FC_MODE=lists or FC_MODE=states runs one mode).

import fc from 'fast-check';
import { anyEventArb, expectSameSteps, replay } from '../../support/property-events.js';
import { simulate } from '../../support/property-simulate.js';
import { expectNone, runOptions } from '../../support/property-trace.js';
import { chainScenarioArb, landingScenarioArb, LIST_MODE, MODES, scenarioArb } from '../../support/property-runs.js';

describe('reducer properties', function () {
  this.timeout(120_000);

  for (const mode of MODES) {
    describe(`with ${mode.name}`, () => {
      it('is total and deterministic: any event in any world gives the same world and commands on replay', () => {
        fc.assert(
          fc.property(fc.array(anyEventArb, { maxLength: 40 }), (events) => {
            expectSameSteps(replay(events, mode.reduce), replay(events, mode.reduce), 'the second replay');
          }),
          runOptions(false),
        );
      });

      it('replays a simulated run deterministically, from its journal, with the same commands and worlds', () => {
        fc.assert(
          fc.property(scenarioArb, (scenario) => {
            const trace = simulate(scenario, mode, true);
            expectNone(trace, 'total');
            trace.lives.forEach((events, life) => expectSameSteps(replay(events, mode.reduce), trace.steps[life]!, `the replay of life ${life}`));
          }),
          runOptions(),
        );
      });

      it('keeps one job per deployment: never two submits in flight, and after each poll at most one active job it does not cancel', () => {
        fc.assert(
          fc.property(scenarioArb, (scenario) => expectNone(simulate(scenario, mode), 'oneJob')),
          runOptions(),
        );
      });

      it('creates each job exactly once: no submit while an earlier submit of the same args may still make a job or its job is held by Slurm', () => {
        fc.assert(
          fc.property(scenarioArb, (scenario) => expectNone(simulate(scenario, mode), 'exactlyOnce')),
          runOptions(),
        );
      });

      if (mode !== LIST_MODE) {
        it('creates each job exactly once, one job at a time, and converges, through runs of submits landing late, crashes and stops', () => {
          fc.assert(
            fc.property(landingScenarioArb, (scenario) => {
              const trace = simulate(scenario, mode);
              for (const property of ['exactlyOnce', 'oneJob', 'converges'] as const) expectNone(trace, property);
            }),
            runOptions(),
          );
        });
      }

      it('orders deployments that name others: submitted only once each has a job, naming those jobs; one job each, exactly once, converging, through crashes and stops', () => {
        fc.assert(
          fc.property(chainScenarioArb, (scenario) => {
            const trace = simulate(scenario, mode);
            for (const property of ['ordered', 'exactlyOnce', 'oneJob', 'converges', 'stored'] as const) expectNone(trace, property);
          }),
          runOptions(),
        );
      });

      it('never replaces a job whose deployment still has the args it was submitted for', () => {
        fc.assert(
          fc.property(scenarioArb, (scenario) => expectNone(simulate(scenario, mode), 'unchanged')),
          runOptions(),
        );
      });

      it('touches only what is its own: no foreign job cancelled or looked up, no job id it could not have learnt, no state of other kinds', () => {
        fc.assert(
          fc.property(scenarioArb, (scenario) => expectNone(simulate(scenario, mode), 'notOurs')),
          runOptions(),
        );
      });

      it('converges once faults stop: each state matches its job (or says why not), no job of a deleted deployment is left, and only changes are written', () => {
        fc.assert(
          fc.property(scenarioArb, (scenario) => expectNone(simulate(scenario, mode), 'converges')),
          runOptions(),
        );
      });

      it('leaves the Config DB holding the last state it wrote', () => {
        fc.assert(
          fc.property(scenarioArb, (scenario) => expectNone(simulate(scenario, mode), 'stored')),
          runOptions(),
        );
      });
    });
  }
});
