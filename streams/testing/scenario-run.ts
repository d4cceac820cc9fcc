// The runner of marble scenarios (scenario-format.ts): replays one through the real deployer() and
// reducer under an rxjs TestScheduler (1 frame = 1 ms), and fails with a readable report when the
// commands differ from the ones expected.

import { AssertionError } from 'node:assert';
import type { Subscription } from 'rxjs';
import { map } from 'rxjs/operators';
import { TestScheduler } from 'rxjs/testing';
import type { DeployerEvent } from '../../lib/core/events.js';
import type { ReducerSettings } from '../../lib/core/world.js';
import { createReducer, deployer } from '../index.js';
import { scenarioProblems } from './scenario-check.js';
import { scenarioSettings, sinkDelays, type Answer, type Answers, type ExpectedCommand, type Scenario, type SlurmView } from './scenario-format.js';
import { compare, describeCommand, describeEvent, heading, pad, project, type Issued } from './scenario-report.js';
import { scenarioSinks } from './scenario-sinks.js';

interface Step {
  readonly frame: number;
  readonly text: string;
}

/** Replays the scenario; fails with a readable report when the commands differ from the expected ones. */
export function runScenario(scenario: Scenario, file = ''): void {
  const problems = scenarioProblems(scenario);
  if (problems.length > 0) fail(`${heading(scenario, file)}\nthe scenario is malformed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);

  const settings: ReducerSettings = { ...scenarioSettings, ...scenario.settings };
  const delays = { ...sinkDelays, ...scenario.delays };
  const issued: Issued[] = [];
  const steps: Step[] = [];
  const errors: string[] = [];
  let expected: { frame: number; value: ExpectedCommand }[] = [];
  let answered: () => Partial<Record<keyof Answers, number>> = () => ({});
  let subscription: Subscription | undefined;

  const scheduler = new TestScheduler(() => undefined);
  scheduler.run(({ hot }) => {
    const now = () => scheduler.now();
    // Parsed inside run(): only there is a frame one millisecond.
    expected = TestScheduler.parseMarbles(scenario.timeline.commands, scenario.commands, undefined, false, true).flatMap((m) =>
      m.notification.kind === 'N' ? [{ frame: m.frame, value: m.notification.value as ExpectedCommand }] : [],
    );
    const slurmLine = scenario.timeline.slurm ?? '';
    const slurmChanges = TestScheduler.parseMarbles(slurmLine, scenario.slurm ?? {}, undefined, false, true).flatMap((m) =>
      m.notification.kind === 'N' ? [{ frame: m.frame, view: m.notification.value as SlurmView }] : [],
    );
    const slurmAt = (frame: number): SlurmView => slurmChanges.filter((c) => c.frame <= frame).at(-1)?.view ?? [];

    const clock = hot(scenario.timeline.clock).pipe(map((): DeployerEvent => ({ type: 'tick', now: now() })));
    const config = hot<DeployerEvent>(scenario.timeline.config, scenario.config, new Error('Config DB source failed'));
    const scripted = scenarioSinks(scenario.answers ?? {}, delays, slurmAt, now, errors, scheduler);
    answered = scripted.answered;

    // The command timeout is far beyond any scripted delay: a sink that stays silent is a scenario error.
    const pipeline = deployer({ sources: [clock, config], sinks: scripted.sinks, reducer: createReducer(settings), scheduler, commandTimeoutMs: 1000 });
    subscription = pipeline.subscribe((output) => {
      const frame = now();
      if (output.type === 'step') {
        for (const command of output.commands) issued.push({ frame, command });
        const text = describeEvent(output.event);
        if (text !== undefined || output.commands.length > 0) {
          const commands = output.commands.map((c) => describeCommand(project(c))).join(', ');
          steps.push({ frame, text: `${text ?? describeEvent(output.event, true)}${commands ? ` -> ${commands}` : ''}` });
        }
      } else if (output.type === 'fault') {
        errors.push(`frame ${frame}: the reducer threw on ${describeEvent(output.event, true)}: ${String(output.error)}`);
      } else {
        steps.push({ frame, text: `a source failed: ${String(output.error)}` });
      }
    });
  });
  subscription?.unsubscribe();

  for (const [type, answers] of Object.entries(scenario.answers ?? {}) as [keyof Answers, readonly Answer[]][]) {
    const used = answered()[type] ?? 0;
    if (used < answers.length) {
      errors.push(`answers.${type} holds ${answers.length} answers, but the run asked for ${used} (a command Slurm answers by being down uses none)`);
    }
  }
  const mismatch = compare(scenario, expected, issued);
  if (mismatch === undefined && errors.length === 0) return;
  const report = [
    heading(scenario, file),
    ...errors.map((e) => `error: ${e}`),
    mismatch ?? 'the commands are as expected',
    '',
    'what happened (frame: event -> commands):',
    ...steps.map((s) => `  ${pad(s.frame)}: ${s.text}`),
  ];
  fail(report.join('\n'));
}

/** An assertion failure, as every test runner reports one: the report is its message. */
function fail(report: string): never {
  throw new AssertionError({ message: report });
}
