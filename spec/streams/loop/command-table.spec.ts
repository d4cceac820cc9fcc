// The command table: each command's lane, whether it runs while stopping, the events that answer
// it, its metric operation and its log line, as they were before the table gathered them (and as
// the deployer, the metrics and the step log use them).

import { expect } from 'chai';
import { map, NEVER, Observable, of, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { Command, CommandType } from '../../../lib/core/commands.js';
import type { DeployerEvent } from '../../../lib/core/events.js';
import type { JobSpec } from '../../../lib/core/slurm-job.js';
import { initialWorld } from '../../../lib/core/world.js';
import { DEFAULT_TIMEOUTS } from '../../../lib/slurm/slurm-http.js';
import { carryOut, COMMAND_TYPES, DEFAULT_LANES, FAILED_COMMAND, outcomeOfFailure, traitsOf, type CommandOf, type DeployerSinks } from '../../../streams/loop/command-table.js';
import { runCommand } from '../../../streams/loop/run-command.js';
import { deployer, type DeployerOutput } from '../../../streams/loop/deployer.js';
import type { Logger } from '../../../streams/ops/log.js';
import { createMetrics } from '../../../streams/ops/metrics.js';
import { logOutput } from '../../../streams/ops/step-log.js';

const state = { status: 'RUNNING', job_id: 7 } as const;

/** One command of each type. */
const SAMPLES: { readonly [T in CommandType]: CommandOf<T> } = {
  pollJobs: { type: 'pollJobs', pollId: 3 },
  pollStates: { type: 'pollStates', pollId: 4, jobIds: [7, 8], all: false },
  submitJob: { type: 'submitJob', id: 'd', submitId: 'r1', spec: { name: 'd' } as JobSpec },
  lookupJob: { type: 'lookupJob', id: 'd', jobId: 7 },
  cancelJob: { type: 'cancelJob', id: 'd', jobId: 7, why: 'replaced' },
  writeState: { type: 'writeState', id: 'd', state },
  deleteState: { type: 'deleteState', id: 'd' },
  writeWatermark: { type: 'writeWatermark', watermark: { floor: 41, clean: false } },
  recordJobs: { type: 'recordJobs', add: [{ jobId: 7, deployment: 'd', comment: '' }], remove: [5, 6] },
};
const samples: readonly Command[] = Object.values(SAMPLES);

const step = (event: DeployerEvent, commands: readonly Command[] = []): DeployerOutput => ({ type: 'step', event, world: initialWorld, commands });

describe('the command table', () => {
  it('has a row for each command type, and only those', () => {
    expect([...COMMAND_TYPES].sort()).to.deep.equal(['cancelJob', 'deleteState', 'lookupJob', 'pollJobs', 'pollStates', 'recordJobs', 'submitJob', 'writeState', 'writeWatermark']);
  });

  it('puts each command in its lane, with the lanes as wide as before', () => {
    const lanes = Object.fromEntries(COMMAND_TYPES.map((type) => [type, traitsOf(type).lane]));
    expect(lanes).to.deep.equal({
      pollJobs: 'poll',
      pollStates: 'poll',
      lookupJob: 'control',
      cancelJob: 'control',
      submitJob: 'submit',
      writeState: 'state',
      deleteState: 'state',
      writeWatermark: 'state',
      recordJobs: 'state',
    });
    expect(DEFAULT_LANES).to.deep.equal({ poll: 1, control: 8, submit: 8, state: 256 });
  });

  it('lets only state writes and removals (and the watermark, and the job registry) run while stopping', () => {
    expect(COMMAND_TYPES.filter((type) => traitsOf(type).drain).sort()).to.deep.equal(['deleteState', 'recordJobs', 'writeState', 'writeWatermark']);
  });

  it('calls an unforeseen failure of a submit an unknown outcome (it may have reached Slurm), of anything else transient', () => {
    const kinds = Object.fromEntries(COMMAND_TYPES.map((type) => [type, traitsOf(type).unforeseen]));
    expect(kinds).to.deep.equal({
      pollJobs: 'transient',
      pollStates: 'transient',
      submitJob: 'unknown-outcome',
      lookupJob: 'transient',
      cancelJob: 'transient',
      writeState: 'transient',
      deleteState: 'transient',
      writeWatermark: 'transient',
      recordJobs: 'transient',
    });
  });

  it('gives a submit and a poll 15 minutes to answer, past the 10 minutes slurm-http waits for their headers (a state poll that discovers may read a full list); the others 120 s', () => {
    const timeouts = Object.fromEntries(COMMAND_TYPES.map((type) => [type, traitsOf(type).timeoutMs]));
    expect(timeouts).to.deep.equal({ pollJobs: 900_000, pollStates: 900_000, submitJob: 900_000, lookupJob: 120_000, cancelJob: 120_000, writeState: 120_000, deleteState: 120_000, writeWatermark: 120_000, recordJobs: 120_000 });
    expect(traitsOf('submitJob').timeoutMs).to.be.greaterThan(DEFAULT_TIMEOUTS.submitHeadersMs + DEFAULT_TIMEOUTS.bodyMs);
    expect(traitsOf('pollJobs').timeoutMs).to.be.greaterThan(DEFAULT_TIMEOUTS.listHeadersMs + DEFAULT_TIMEOUTS.listBodyMs);
  });

  it("fails a silent sink after its type's timeout, or after the one given for all", () => {
    const silent = Object.fromEntries(COMMAND_TYPES.map((type) => [type, () => NEVER])) as unknown as DeployerSinks;
    const scheduler = new TestScheduler((actual, expected) => void expect(actual).to.deep.equal(expected));
    scheduler.run(({ expectObservable }) => {
      const failure = (command: Command, timeoutMs?: number) => runCommand(silent, command, timeoutMs, scheduler).pipe(map((event) => event.type));
      expectObservable(failure(SAMPLES.lookupJob)).toBe('120000ms (f|)', { f: 'lookupFailed' });
      expectObservable(failure(SAMPLES.submitJob)).toBe('900000ms (f|)', { f: 'submitFailed' });
      expectObservable(failure(SAMPLES.pollJobs)).toBe('900000ms (f|)', { f: 'pollFailed' });
      expectObservable(failure(SAMPLES.submitJob, 5)).toBe('5ms (f|)', { f: 'submitFailed' });
    });
  });

  it('names the failure event outcomeOfFailure makes for each command, and leads that event back to it', () => {
    for (const command of samples) {
      const failed = outcomeOfFailure(command, { kind: 'transient', message: 'x' }).type;
      expect(traitsOf(command.type).failed, command.type).to.equal(failed);
      expect(FAILED_COMMAND[traitsOf(command.type).failed], failed).to.equal(command.type);
    }
    expect(Object.keys(FAILED_COMMAND)).to.have.length(samples.length);
  });

  it('counts a failure of each command under the operation it had before', async () => {
    const metrics = createMetrics({ apiVersion: () => 'v0.0.42' });
    for (const command of samples) metrics.observe(step(outcomeOfFailure(command, { kind: 'auth', message: 'x' })));
    metrics.observe(step({ type: 'stateWritten', id: 'd', state }));
    const failures = (await metrics.registry.metrics()).split('\n').filter((line) => line.startsWith('sdp_slurmdeploy_failures_total{'));
    expect(failures.sort()).to.deep.equal(
      ['poll', 'poll_states', 'submit', 'lookup', 'cancel', 'write_state', 'delete_state', 'write_watermark', 'record_jobs'].map((operation) => `sdp_slurmdeploy_failures_total{operation="${operation}",kind="auth"} 1`).sort(),
    );
  });

  it('logs each command issued with the line it had before', () => {
    const lines: unknown[] = [];
    const at = (level: string) => (message: string, fields?: unknown) => void lines.push([level, message, fields]);
    const log: Logger = { debug: at('DEBUG'), info: at('INFO'), warning: at('WARNING'), error: at('ERROR') };
    logOutput(log, step({ type: 'tick', now: 0 }, samples));
    expect(lines).to.deep.equal([
      ['DEBUG', 'polling Slurm', { poll: 3 }],
      ['DEBUG', 'polling the states of our jobs', { poll: 4, jobs: 2, all: false }],
      ['INFO', 'submitting job', { deployment: 'd', submit: 'r1' }],
      ['INFO', 'job missing from the poll; looking it up', { deployment: 'd', job: 7 }],
      ['INFO', 'cancelling job', { deployment: 'd', job: 7, why: 'replaced' }],
      ['INFO', 'state changed', { deployment: 'd', status: 'RUNNING', job_id: 7 }],
      ['INFO', 'removing the state of a deleted deployment', { deployment: 'd' }],
      ['DEBUG', 'writing the job-id watermark', { floor: 41 }],
      ['DEBUG', 'recording the jobs followed', { added: 1, removed: 2 }],
    ]);
  });

  it('hands each command to the sink of its type, called as a method of the sinks', () => {
    class RecordingSinks implements DeployerSinks {
      readonly called: string[] = [];
      #answer(sink: CommandType, command: Command): Observable<DeployerEvent> {
        this.called.push(`${sink}:${command.type}`);
        return of({ type: 'tick', now: 0 });
      }
      pollJobs(command: CommandOf<'pollJobs'>) { return this.#answer('pollJobs', command); }
      pollStates(command: CommandOf<'pollStates'>) { return this.#answer('pollStates', command); }
      writeWatermark(command: CommandOf<'writeWatermark'>) { return this.#answer('writeWatermark', command); }
      recordJobs(command: CommandOf<'recordJobs'>) { return this.#answer('recordJobs', command); }
      submitJob(command: CommandOf<'submitJob'>) { return this.#answer('submitJob', command); }
      lookupJob(command: CommandOf<'lookupJob'>) { return this.#answer('lookupJob', command); }
      cancelJob(command: CommandOf<'cancelJob'>) { return this.#answer('cancelJob', command); }
      writeState(command: CommandOf<'writeState'>) { return this.#answer('writeState', command); }
      deleteState(command: CommandOf<'deleteState'>) { return this.#answer('deleteState', command); }
    }
    const sinks = new RecordingSinks();
    for (const command of samples) carryOut(sinks, command.type, command).subscribe();
    expect(sinks.called).to.deep.equal(samples.map((command) => `${command.type}:${command.type}`));
  });

  it('has the deployer, once stopping, carry out only the drain commands, each by the sink of its type', async () => {
    const called: string[] = [];
    const firstWrite = new Subject<DeployerEvent>();
    const sinkFor = (type: CommandType) => (command: Command): Observable<DeployerEvent> => {
      called.push(`${type}:${command.type}`);
      return called.length === 1 ? firstWrite : of({ type: 'stateWritten', id: 'later', state });
    };
    const sinks = Object.fromEntries(COMMAND_TYPES.map((type) => [type, sinkFor(type)])) as unknown as DeployerSinks;
    const stop = new Subject<void>();
    // The tick asks for one state write; its answer, arriving after the stop, asks for one command of each type.
    const reducer = (world: typeof initialWorld, event: DeployerEvent) => ({
      world,
      commands: event.type === 'tick' ? [SAMPLES.writeState] : event.type === 'stateWritten' && event.id === 'first' ? samples : [],
    });
    const done = new Promise<void>((resolve, reject) =>
      deployer({ sources: [new Observable<DeployerEvent>((s) => s.next({ type: 'tick', now: 0 }))], sinks, reducer, stop }).subscribe({ complete: resolve, error: reject }),
    );
    stop.next();
    firstWrite.next({ type: 'stateWritten', id: 'first', state });
    await done;
    expect(called).to.deep.equal(['writeState:writeState', 'writeState:writeState', 'deleteState:deleteState', 'writeWatermark:writeWatermark', 'recordJobs:recordJobs']);
  });
});
