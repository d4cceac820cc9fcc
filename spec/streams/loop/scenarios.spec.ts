// Replays every scenario of spec/scenarios through deployer() and the real reducer, one `it`
// each; and checks that the runner itself tells a wrong expectation from a right one. The list
// comes from the sources, so that a scenario deleted there is not run from a stale dist.

import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { job } from '../../support/fixtures.js';
import { repoRoot } from '../../support/repo.js';
import {
  deployment,
  listed,
  poll,
  runScenario,
  scenarioProblems,
  submit,
  submitted,
  write,
  type Scenario,
} from '../../../streams/testing/index.js';

const sourceDir = path.join(repoRoot, 'spec', 'scenarios');
const files = readdirSync(sourceDir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .sort();

const scenarios = await Promise.all(
  files.map(async (file) => {
    const module = (await import(new URL(`../../scenarios/${file.replace(/\.ts$/, '.js')}`, import.meta.url).href)) as { default?: Scenario };
    if (module.default === undefined) throw new Error(`spec/scenarios/${file} has no default export (a Scenario)`);
    return { file: `spec/scenarios/${file}`, scenario: module.default };
  }),
);

describe('deployer scenarios (spec/scenarios)', () => {
  it('has scenarios, each with its own title', () => {
    expect(scenarios).to.not.be.empty;
    const titles = scenarios.map((s) => s.scenario.title);
    expect(titles.filter((t, i) => titles.indexOf(t) !== i)).to.deep.equal([]);
  });

  for (const { file, scenario } of scenarios) {
    if (scenario.knownIssue === undefined) {
      it(scenario.title, () => runScenario(scenario, file));
      continue;
    }
    // Pending while the deployer still gets it wrong; a failure once it gets it right.
    it(`${scenario.title} [known issue]`, function () {
      expect(scenarioProblems(scenario), `${file} is malformed`).to.deep.equal([]);
      let passes = false;
      try {
        runScenario(scenario, file);
        passes = true;
      } catch {
        this.skip();
      }
      if (passes) expect.fail(`${file} passes now: the known issue is gone, remove its knownIssue`);
    });
  }
});

describe('the scenario runner', () => {
  const right: Scenario = {
    title: 'one deployment is submitted',
    proves: 'the runner compares',
    timeline: {
      clock:    't---------',
      config:   '-l--------',
      commands: 'P-(Sw)p---',
    },
    config: { l: listed(deployment('d1')) },
    answers: { submitJob: [submitted(7)] },
    commands: {
      P: poll,
      S: submit('d1', 'r10', { name: 'd1' }),
      w: write('d1', { status: 'PENDING', generation: 1 }),
      p: write('d1', { status: 'PENDING', job_id: 7, generation: 1 }),
    },
  };
  const failure = (scenario: Scenario): string => {
    try {
      runScenario(scenario, 'inline');
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    return expect.fail('the runner passed a wrong scenario');
  };

  it('passes a scenario whose commands come as expected', () => {
    runScenario(right);
  });

  it('reports a command at another time with both lines and the frames that differ', () => {
    const message = failure({ ...right, timeline: { ...right.timeline, commands: 'P-(Sw)--p-' } });
    expect(message).to.include('the commands differ');
    expect(message).to.include('expected  P-(Sw)--p-');
    expect(message).to.include('actual    P-(Sw)p---');
    expect(message).to.match(/frame +6: expected nothing\n +actual p writeState d1 \{"status":"PENDING","job_id":7,"generation":1\}/);
    expect(message).to.match(/frame +8: expected p writeState/);
    expect(message).to.include('what happened');
  });

  it('compares the state written in full, and of a submit the spec fields the legend names', () => {
    const wrongState = failure({ ...right, commands: { ...right.commands, p: write('d1', { status: 'PENDING', job_id: 8, generation: 1 }) } });
    expect(wrongState).to.match(/actual \? writeState d1 \{"status":"PENDING","job_id":7,"generation":1\}/);
    const wrongSpec = failure({ ...right, commands: { ...right.commands, S: submit('d1', 'r10', { name: 'other' }) } });
    expect(wrongSpec).to.include('actual ? submitJob d1 r10 spec {"name":"d1"}');
  });

  it('reads time progressions, aligned in every line', () => {
    const later: Scenario = {
      ...right,
      timeline: {
        clock:    't--------- 30ms t---------',
        config:   '-l-------- 30ms ----------',
        slurm:    '------r--- 30ms ----------',
        commands: 'P-(Sw)p--- 30ms P-r-------',
      },
      slurm: { r: [job(7, 'd1', 'RUNNING')] },
      commands: { ...right.commands, r: write('d1', { status: 'RUNNING', job_id: 7, slurm_state: 'RUNNING', generation: 1 }) },
    };
    runScenario(later);
    expect(scenarioProblems({ ...later, timeline: { ...later.timeline, config: '-l-------- 20ms ----------' } })).to.deep.equal([
      'timeline.clock and timeline.config are not aligned: column 16 is frame 40 in one, 30 in the other',
      'timeline.config and timeline.slurm are not aligned: column 16 is frame 30 in one, 40 in the other',
      'timeline.config and timeline.commands are not aligned: column 16 is frame 30 in one, 40 in the other',
    ]);
  });

  it('refuses lines out of alignment, marbles without a legend entry and legend entries not used', () => {
    expect(scenarioProblems({ ...right, timeline: { ...right.timeline, commands: ' P-(Sw)p---' } })).to.deep.equal([
      'timeline.clock and timeline.commands are not aligned: column 1 is frame 1 in one, 0 in the other',
      'timeline.config and timeline.commands are not aligned: column 1 is frame 1 in one, 0 in the other',
    ]);
    expect(scenarioProblems({ ...right, timeline: { ...right.timeline, commands: 'P-(Sw)x---' } })).to.deep.equal([
      "timeline.commands: 'x' (column 6) is not in the legend `commands`",
      "legend `commands`: 'p' is not used on timeline.commands",
    ]);
    expect(failure({ ...right, timeline: { ...right.timeline, clock: 'x---------' } })).to.include('the scenario is malformed');
  });

  it('reports a submit the scenario gives no answer for, and answers it never used', () => {
    expect(failure({ ...right, answers: {} })).to.include('error: frame 2: submitJob #1 (d1 r10) has no answer in answers.submitJob');
    expect(failure({ ...right, answers: { submitJob: [submitted(7), submitted(8)] } })).to.include(
      'error: answers.submitJob holds 2 answers, but the run asked for 1',
    );
  });
});
