// Marble scenarios (spec/scenarios): the Config DB and the clock on aligned marble lines, what
// Slurm shows over time, how the sinks answer, and the commands expected. The runner replays a
// scenario through the real deployer() and reducer under an rxjs TestScheduler (1 frame = 1 ms).

import { expect } from 'chai';
import { NEVER, type Observable, type Subscription, timer } from 'rxjs';
import { map } from 'rxjs/operators';
import { TestScheduler } from 'rxjs/testing';
import type { CancelReason, CommandType } from '../../lib/core/commands.js';
import { canonicalJson } from '../../lib/core/canonical-json.js';
import type { DeploymentState } from '../../lib/core/deployment-state.js';
import { specHash } from '../../lib/core/spec-hash.js';
import type { DeployerEvent, DeploymentEntry } from '../../lib/core/events.js';
import type { Failure, FailureKind } from '../../lib/core/failure.js';
import { createReducer } from '../../lib/core/reducer.js';
import type { JobSpec, SlurmJob } from '../../lib/core/slurm-job.js';
import type { ReducerSettings } from '../../lib/core/world.js';
import { deployer, type DeployerSinks } from '../../streams/loop/deployer.js';
import { settings as fixtureSettings } from './fixtures.js';
import { compare, describeCommand, describeEvent, heading, pad, project, type Issued } from './scenario-report.js';

// ---------------------------------------------------------------------------------------------
// The format

/**
 * Marble lines (rxjs run-mode syntax: `-` one frame, ` 10ms ` time progression, `(ab)` a group:
 * both at its first column, and as many frames wide as it has characters), vertically aligned:
 * a column stands for the same frame in every line, and the runner checks it.
 */
export interface Timeline {
  /** Every `t` is a tick of the clock carrying its frame as the time. */
  readonly clock: string;
  /** Config DB events; legend `config`. */
  readonly config: string;
  /**
   * What Slurm shows from a frame on; legend `slurm`. A poll or a lookup is answered with what
   * Slurm shows at the frame it is issued; while Slurm is `down`, every Slurm command fails.
   * Before its first value Slurm shows no jobs.
   */
  readonly slurm?: string;
  /** The commands the deployer is expected to issue; legend `commands`. */
  readonly commands: string;
}

export type Legend<T> = Readonly<Record<string, T>>;

/** What Slurm shows: the jobs it lists, or that it cannot be reached. */
export type SlurmView = readonly SlurmJob[] | { readonly down: Failure };

/** How a sink answers one command, after `after` frames (else the scenario's delay for it). */
export type Answer = { readonly after?: number } & (
  | { readonly outcome: 'ok' }
  | { readonly outcome: 'submitted'; readonly jobId: number }
  | { readonly outcome: 'failed'; readonly failure: Failure }
);

/**
 * Answers in the order the commands are issued (the first submit gets the first answer...).
 * A command that Slurm, being down, answers uses none. Without (more) answers, cancelJob,
 * writeState and deleteState succeed; a submitJob without an answer is an error of the scenario.
 * pollJobs and lookupJob are answered from the `slurm` line.
 */
export interface Answers {
  readonly submitJob?: readonly Answer[];
  readonly cancelJob?: readonly Answer[];
  readonly writeState?: readonly Answer[];
  readonly deleteState?: readonly Answer[];
  readonly recordJobs?: readonly Answer[];
}

/** A command as compared: its type and the fields that matter. */
export type ExpectedCommand =
  | { readonly type: 'pollJobs' }
  /** A state poll: the ids it asks for, and the floor it discovers above (if it does). */
  | { readonly type: 'pollStates'; readonly jobIds?: readonly number[]; readonly discoverAbove?: number }
  | { readonly type: 'writeWatermark'; readonly floor: number; readonly clean?: boolean }
  /** `spec`, when given, is compared on the fields it names only. */
  | { readonly type: 'submitJob'; readonly id: string; readonly submitId: string; readonly spec?: Partial<JobSpec> }
  | { readonly type: 'lookupJob'; readonly id: string; readonly jobId: number }
  | { readonly type: 'cancelJob'; readonly id: string; readonly jobId: number; readonly why: CancelReason }
  | { readonly type: 'writeState'; readonly id: string; readonly state: DeploymentState }
  | { readonly type: 'deleteState'; readonly id: string }
  /** The job registry's writes: the ids of the jobs stored, and of those removed. */
  | { readonly type: 'recordJobs'; readonly add: readonly number[]; readonly remove: readonly number[] };

export interface Scenario {
  /** Says what happens; it titles the spec. */
  readonly title: string;
  /** The rule of the contract or the design the scenario holds the deployer to. */
  readonly proves: string;
  readonly timeline: Timeline;
  readonly config: Legend<DeployerEvent>;
  readonly slurm?: Legend<SlurmView>;
  readonly answers?: Answers;
  readonly commands: Legend<ExpectedCommand>;
  /** Reducer settings over `scenarioSettings`. */
  readonly settings?: Partial<ReducerSettings>;
  /** Frames each sink takes to answer, over `sinkDelays`. */
  readonly delays?: Partial<Record<CommandType, number>>;
  /**
   * The deployer does not do this yet: what is wrong, and how it shows. The scenario still runs;
   * it counts as pending while it fails, and fails the suite once it passes, so that this goes.
   */
  readonly knownIssue?: string;
}

/** The fixture settings on a scenario's scale: a poll every 10 frames, backoff from 4 frames. */
export const scenarioSettings: ReducerSettings = { ...fixtureSettings, pollIntervalMs: 10, backoff: { baseMs: 4, maxMs: 64 } };

/**
 * Frames a sink takes to answer. A submit takes longer than the `(SW)` group that issues it is
 * wide, so that what its answer causes gets a column of its own.
 */
export const sinkDelays: Readonly<Record<CommandType, number>> = {
  pollJobs: 2,
  pollStates: 2,
  writeWatermark: 1,
  recordJobs: 1,
  lookupJob: 2,
  submitJob: 4,
  cancelJob: 1,
  writeState: 1,
  deleteState: 1,
};

// ---------------------------------------------------------------------------------------------
// Builders for legends

/** A slurm deployment as the Config DB holds it (revision 10 makes submit id `r10`, as `job()` assumes). */
export function deployment(
  id: string,
  options: { readonly args?: unknown; readonly revision?: number; readonly kind?: string; readonly priorState?: DeploymentState } = {},
): DeploymentEntry {
  const { args = { script: '#!/bin/bash\ntrue\n' }, revision = 10, kind = 'slurm', priorState } = options;
  // A state this deployer wrote names the args it described, as the reducer writes it.
  const prior = priorState === undefined ? {} : { priorState: { spec: specHash(canonicalJson(args)), ...priorState } };
  return { id, kind, args, revision, ...prior };
}

export const listed = (...deployments: DeploymentEntry[]): DeployerEvent => ({ type: 'configListed', deployments, invalid: [] });
export const put = (entry: DeploymentEntry): DeployerEvent => ({ type: 'deploymentPut', deployment: entry });
export const deleted = (id: string): DeployerEvent => ({ type: 'deploymentDeleted', id });

export const down = (message: string, kind: FailureKind = 'transient'): SlurmView => ({ down: { kind, message } });

export const ok = (): Answer => ({ outcome: 'ok' });
export const submitted = (jobId: number): Answer => ({ outcome: 'submitted', jobId });
export const fails = (kind: FailureKind, message: string): Answer => ({ outcome: 'failed', failure: { kind, message } });
/** The answer, given `frames` after the command instead of the usual delay. */
export const after = (frames: number, answer: Answer): Answer => ({ ...answer, after: frames });

export const poll: ExpectedCommand = { type: 'pollJobs' };
export const pollStates = (jobIds: readonly number[], discoverAbove?: number): ExpectedCommand => ({
  type: 'pollStates',
  jobIds,
  ...(discoverAbove === undefined ? {} : { discoverAbove }),
});
export const watermark = (floor: number): ExpectedCommand => ({ type: 'writeWatermark', floor, clean: false });
export const submit = (id: string, submitId: string, spec?: Partial<JobSpec>): ExpectedCommand => ({
  type: 'submitJob',
  id,
  submitId,
  ...(spec ? { spec } : {}),
});
export const lookup = (id: string, jobId: number): ExpectedCommand => ({ type: 'lookupJob', id, jobId });
export const cancel = (id: string, jobId: number, why: CancelReason): ExpectedCommand => ({ type: 'cancelJob', id, jobId, why });
export const write = (id: string, state: DeploymentState): ExpectedCommand => ({ type: 'writeState', id, state });
export const deleteState = (id: string): ExpectedCommand => ({ type: 'deleteState', id });
export const record = (add: readonly number[], remove: readonly number[] = []): ExpectedCommand => ({ type: 'recordJobs', add, remove });

// ---------------------------------------------------------------------------------------------
// The runner

interface Step {
  readonly frame: number;
  readonly text: string;
}

/** Replays the scenario; fails with a readable report when the commands differ from the expected ones. */
export function runScenario(scenario: Scenario, file = ''): void {
  const problems = scenarioProblems(scenario);
  if (problems.length > 0) expect.fail(`${heading(scenario, file)}\nthe scenario is malformed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);

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
  expect.fail(report.join('\n'));
}

function scenarioSinks(
  answers: Answers,
  delays: Readonly<Record<CommandType, number>>,
  slurmAt: (frame: number) => SlurmView,
  now: () => number,
  errors: string[],
  scheduler: TestScheduler,
): { sinks: DeployerSinks; answered: () => Partial<Record<keyof Answers, number>> } {
  const used: Partial<Record<CommandType, number>> = {};
  const reply = (event: DeployerEvent, after: number): Observable<DeployerEvent> => timer(after, scheduler).pipe(map(() => event));
  const downFailure = (): Failure | undefined => {
    const view = slurmAt(now());
    return Array.isArray(view) ? undefined : (view as { down: Failure }).down;
  };
  const jobsNow = (): readonly SlurmJob[] => {
    const view = slurmAt(now());
    return Array.isArray(view) ? (view as readonly SlurmJob[]) : [];
  };
  /** The next answer from the table, or undefined when the table has no more. */
  const next = (type: keyof Answers): Answer | undefined => {
    const n = used[type] ?? 0;
    used[type] = n + 1;
    return answers[type]?.[n];
  };
  /** A table answer for a command that succeeds by default. */
  const answerOrOk = (type: keyof Answers, okEvent: DeployerEvent, failEvent: (f: Failure) => DeployerEvent): Observable<DeployerEvent> => {
    const answer = next(type) ?? ok();
    const after = answer.after ?? delays[type];
    if (answer.outcome === 'failed') return reply(failEvent(answer.failure), after);
    if (answer.outcome === 'submitted') errors.push(`frame ${now()}: answers.${type} gives a job id; only submitJob answers take one`);
    return reply(okEvent, after);
  };

  const sinks: DeployerSinks = {
    pollJobs: (c) => {
      const failure = downFailure();
      return reply(failure ? { type: 'pollFailed', pollId: c.pollId, failure } : { type: 'jobsPolled', pollId: c.pollId, jobs: jobsNow() }, delays.pollJobs);
    },
    pollStates: (c) => {
      const failure = downFailure();
      if (failure) return reply({ type: 'statesPollFailed', pollId: c.pollId, failure }, delays.pollStates);
      const jobs = jobsNow();
      const asked = new Set(c.jobIds);
      const known = new Set(c.discover?.known ?? []);
      const states = jobs.filter((j) => asked.has(j.jobId)).map((j) => ({ jobId: j.jobId, state: j.state }));
      const discovered = c.discover === undefined ? undefined : jobs.filter((j) => j.jobId > (c.discover?.above ?? 0) && !asked.has(j.jobId) && !known.has(j.jobId));
      const maxJobId = c.all || c.discover !== undefined ? Math.max(0, ...jobs.map((j) => j.jobId)) : undefined;
      return reply({ type: 'statesPolled', pollId: c.pollId, states, ...(maxJobId === undefined ? {} : { maxJobId }), ...(discovered ? { discovered } : {}) }, delays.pollStates);
    },
    writeWatermark: (c) => reply({ type: 'watermarkWritten', watermark: c.watermark }, delays.writeWatermark),
    recordJobs: (c) =>
      answerOrOk('recordJobs', { type: 'jobsRecorded', add: c.add, remove: c.remove }, (f) => ({ type: 'jobsRecordFailed', add: c.add, remove: c.remove, failure: f })),
    lookupJob: (c) => {
      const failure = downFailure();
      const job = jobsNow().find((j) => j.jobId === c.jobId);
      const outcome: DeployerEvent = failure
        ? { type: 'lookupFailed', id: c.id, jobId: c.jobId, failure }
        : { type: 'jobLookedUp', id: c.id, jobId: c.jobId, ...(job ? { job } : {}) };
      return reply(outcome, delays.lookupJob);
    },
    submitJob: (c) => {
      const failure = downFailure();
      if (failure) return reply({ type: 'submitFailed', id: c.id, submitId: c.submitId, failure }, delays.submitJob);
      const answer = next('submitJob');
      const after = answer?.after ?? delays.submitJob;
      if (answer?.outcome === 'submitted') return reply({ type: 'jobSubmitted', id: c.id, submitId: c.submitId, jobId: answer.jobId }, after);
      if (answer?.outcome === 'failed') return reply({ type: 'submitFailed', id: c.id, submitId: c.submitId, failure: answer.failure }, after);
      errors.push(`frame ${now()}: submitJob #${used.submitJob} (${c.id} ${c.submitId}) has no answer in answers.submitJob (it is left unanswered)`);
      return NEVER;
    },
    cancelJob: (c) => {
      const failure = downFailure();
      if (failure) return reply({ type: 'cancelFailed', id: c.id, jobId: c.jobId, failure }, delays.cancelJob);
      return answerOrOk('cancelJob', { type: 'jobCancelled', id: c.id, jobId: c.jobId }, (f) => ({
        type: 'cancelFailed',
        id: c.id,
        jobId: c.jobId,
        failure: f,
      }));
    },
    writeState: (c) =>
      answerOrOk('writeState', { type: 'stateWritten', id: c.id, state: c.state }, (f) => ({ type: 'stateWriteFailed', id: c.id, state: c.state, failure: f })),
    deleteState: (c) => answerOrOk('deleteState', { type: 'stateDeleted', id: c.id }, (f) => ({ type: 'stateDeleteFailed', id: c.id, failure: f })),
  };
  return { sinks, answered: () => used };
}

// ---------------------------------------------------------------------------------------------
// Checking a scenario before it runs: lines aligned, every marble in its legend, every legend used

const SYNTAX = new Set([' ', '-', '(', ')', '|', '#']);

interface ParsedLine {
  /** The frame each column stands at; undefined for blanks and time progressions. */
  readonly frames: readonly (number | undefined)[];
  readonly marbles: readonly { readonly char: string; readonly column: number }[];
}

/** Walks a line as rxjs's run mode does (TestScheduler.parseMarbles), column by column. */
function parseLine(line: string): ParsedLine {
  const frames: (number | undefined)[] = [];
  const marbles: { char: string; column: number }[] = [];
  let frame = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ') {
      frames.push(undefined);
      continue;
    }
    if (/[0-9]/.test(c) && (i === 0 || line[i - 1] === ' ')) {
      const progression = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m) /.exec(line.slice(i));
      if (progression) {
        const unit = { ms: 1, s: 1000, m: 60_000 }[progression[2] as 'ms' | 's' | 'm'];
        for (let k = 0; k < progression[0].length; k++) frames.push(undefined);
        i += progression[0].length - 1;
        frame += parseFloat(progression[1]!) * unit;
        continue;
      }
    }
    frames.push(frame);
    if (!SYNTAX.has(c)) marbles.push({ char: c, column: i });
    frame += 1;
  }
  return { frames, marbles };
}

/** What is wrong with the scenario itself: lines out of alignment, marbles without a legend entry... */
export function scenarioProblems(scenario: Scenario): string[] {
  const problems: string[] = [];
  const lines = Object.entries(scenario.timeline).filter((e): e is [string, string] => typeof e[1] === 'string');
  const parsed = new Map(lines.map(([name, line]) => [name, parseLine(line)]));
  for (const [name, line] of lines) {
    if (/[\^!]/.test(line)) problems.push(`timeline.${name}: '^' and '!' have no meaning here`);
  }
  // Aligned: wherever two lines both have a marble or a dash, it is the same frame.
  const all = [...parsed];
  for (const [i, [a, pa]] of all.entries()) {
    for (const [b, pb] of all.slice(i + 1)) {
      const column = pa.frames.findIndex((f, i) => f !== undefined && pb.frames[i] !== undefined && pb.frames[i] !== f);
      if (column < 0) continue;
      problems.push(`timeline.${a} and timeline.${b} are not aligned: column ${column} is frame ${pa.frames[column]} in one, ${pb.frames[column]} in the other`);
    }
  }
  const legends: [keyof Timeline, Legend<unknown> | undefined][] = [
    ['config', scenario.config],
    ['slurm', scenario.slurm],
    ['commands', scenario.commands],
  ];
  for (const [name, legend] of legends) {
    const marbles = parsed.get(name)?.marbles ?? [];
    for (const m of marbles) {
      if (legend?.[m.char] === undefined) problems.push(`timeline.${name}: '${m.char}' (column ${m.column}) is not in the legend \`${name}\``);
    }
    for (const key of Object.keys(legend ?? {})) {
      if (!marbles.some((m) => m.char === key)) problems.push(`legend \`${name}\`: '${key}' is not used on timeline.${name}`);
    }
  }
  for (const m of parsed.get('clock')?.marbles ?? []) {
    if (m.char !== 't') problems.push(`timeline.clock: '${m.char}' (column ${m.column}): the clock line holds ticks, 't'`);
  }
  if (scenario.answers?.submitJob?.some((a) => a.outcome === 'ok')) {
    problems.push('answers.submitJob: a submit answers with submitted(jobId) or fails(...), not ok()');
  }
  return problems;
}
