// The command table: everything the streams know about each command type, in one place. A new
// command in lib/core/commands.ts does not compile until it has a row here (its lane, whether it
// may run while stopping, the events that answer it and how its failure event is made, its
// operation name, its log line) and a sink in DeployerSinks; a new event does not compile until it
// is named as a source's or as an answer. The real sinks (streams/sinks/sinks.ts) compile only
// while each answers with its row's events (AnswerOf).
//
// Lanes, each with its own concurrency, so that a poll, a lookup or a cancel never waits behind
// thousands of submits or state writes:
//   poll      pollJobs, pollStates      1  (the reducer has one poll out at a time; one more would only overlap)
//   control   lookupJob, cancelJob      8  (rare, small, and they stop jobs that should not run)
//   submit    submitJob                 8  (slurmctld serialises submits; more would queue inside
//                                           slurmrestd's 20 threads and turn into timeouts)
//   state     writeState, deleteState, 256
//             writeWatermark, recordJobs  (Config DB writes; the real sink batches state
//                                           writes into transactions, see streams/sinks/sinks.ts)
//
// Each command type has its own timeout: a sink that has not answered by then gets a failure
// outcome (the deployer's `commandTimeoutMs` overrides them all, for tests and embedders).

import type { Observable } from 'rxjs';
import type { Command, CommandType } from '../../lib/core/commands.js';
import type { DeployerEvent, EventType } from '../../lib/core/events.js';
import type { Failure, FailureKind } from '../../lib/core/failure.js';
import type { LogFields } from '../ops/log.js';

/** The command of type T. */
export type CommandOf<T extends CommandType> = Extract<Command, { readonly type: T }>;

/** What carries out commands of type T: it answers each with (at least) one outcome event. */
export type Sink<T extends CommandType> = (command: CommandOf<T>) => Observable<DeployerEvent>;

/** One sink per command type (streams/sinks/sinks.ts makes the real ones). */
export type DeployerSinks = { readonly [T in CommandType]: Sink<T> };

/** The lanes commands run in; each has its own concurrency. */
export type Lane = 'poll' | 'control' | 'submit' | 'state';

/** Commands carried out at once per lane, unless DeployerOptions.lanes says otherwise: one poll at a time, state writes in the hundreds. */
export const DEFAULT_LANES: Readonly<Record<Lane, number>> = { poll: 1, control: 8, submit: 8, state: 256 };

/** Events that report a command as failed (they carry a Failure). */
export type FailureEvent = Extract<DeployerEvent, { readonly failure: Failure }>;
export type FailureEventType = FailureEvent['type'];

export interface CommandLogLine {
  readonly level: 'debug' | 'info';
  readonly message: string;
  readonly fields: LogFields;
}

export interface CommandTraits<T extends CommandType> {
  readonly lane: Lane;
  /** Whether it is still carried out while the deployer stops: recording what is known, never starting anything. */
  readonly drain: boolean;
  /** The event that says it was done. */
  readonly done: Exclude<EventType, FailureEventType>;
  /** The event that says it failed. */
  readonly failed: FailureEventType;
  /** That event for one command and its failure (outcomeOfFailure); it must be the one `failed` names. */
  readonly failure: (command: CommandOf<T>, failure: Failure) => FailureEvent;
  /** Its name in metrics: the `operation` label of sdp_slurmdeploy_failures_total. */
  readonly operation: string;
  /** The kind of a failure nobody foresaw (a thrown error, silence, a timeout). */
  readonly unforeseen: FailureKind;
  /** How long its sink may take to answer before the command fails (as `unforeseen`). */
  readonly timeoutMs: number;
  /** The line logged when the reducer issues it. */
  readonly logLine: (command: CommandOf<T>) => CommandLogLine;
}

export type CommandTable = { readonly [T in CommandType]: CommandTraits<T> };

/** The timeout of commands that wait for nothing slow. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;
/**
 * A submit, and a full list, wait up to 10 min for slurmrestd's answer (lib/slurm/slurm-http.ts
 * DEFAULT_TIMEOUTS: a throttled slurmrestd answers late, never with an error; it builds a list's
 * whole body before its first byte) and a submit may wait its turn in the request pacer first:
 * a command that gave up sooner would call a submit still under way an unknown outcome. A state
 * poll that discovers may read a full list too.
 */
export const SLOW_SLURM_COMMAND_TIMEOUT_MS = 15 * 60_000;

const COMMANDS = {
  pollJobs: {
    lane: 'poll',
    drain: false,
    done: 'jobsPolled',
    failed: 'pollFailed',
    failure: (command, failure) => ({ type: 'pollFailed', pollId: command.pollId, failure }),
    operation: 'poll',
    unforeseen: 'transient',
    timeoutMs: SLOW_SLURM_COMMAND_TIMEOUT_MS,
    logLine: (command) => ({ level: 'debug', message: 'polling Slurm', fields: { poll: command.pollId } }),
  },
  pollStates: {
    lane: 'poll',
    drain: false,
    done: 'statesPolled',
    failed: 'statesPollFailed',
    failure: (command, failure) => ({ type: 'statesPollFailed', pollId: command.pollId, failure }),
    operation: 'poll_states',
    unforeseen: 'transient',
    timeoutMs: SLOW_SLURM_COMMAND_TIMEOUT_MS,
    logLine: (command) => ({
      level: 'debug',
      message: 'polling the states of our jobs',
      fields: { poll: command.pollId, jobs: command.jobIds.length, all: command.all, ...(command.discover ? { discover_above: command.discover.above } : {}) },
    }),
  },
  submitJob: {
    lane: 'submit',
    drain: false,
    done: 'jobSubmitted',
    failed: 'submitFailed',
    failure: (command, failure) => ({ type: 'submitFailed', id: command.id, submitId: command.submitId, failure }),
    operation: 'submit',
    // A submit that failed in an unforeseen way may still have reached Slurm.
    unforeseen: 'unknown-outcome',
    timeoutMs: SLOW_SLURM_COMMAND_TIMEOUT_MS,
    logLine: (command) => ({ level: 'info', message: 'submitting job', fields: { deployment: command.id, submit: command.submitId } }),
  },
  lookupJob: {
    lane: 'control',
    drain: false,
    done: 'jobLookedUp',
    failed: 'lookupFailed',
    failure: (command, failure) => ({ type: 'lookupFailed', id: command.id, jobId: command.jobId, failure }),
    operation: 'lookup',
    unforeseen: 'transient',
    timeoutMs: DEFAULT_COMMAND_TIMEOUT_MS,
    logLine: (command) => ({ level: 'info', message: 'job missing from the poll; looking it up', fields: { deployment: command.id, job: command.jobId } }),
  },
  cancelJob: {
    lane: 'control',
    drain: false,
    done: 'jobCancelled',
    failed: 'cancelFailed',
    failure: (command, failure) => ({ type: 'cancelFailed', id: command.id, jobId: command.jobId, failure }),
    operation: 'cancel',
    unforeseen: 'transient',
    timeoutMs: DEFAULT_COMMAND_TIMEOUT_MS,
    logLine: (command) => ({ level: 'info', message: 'cancelling job', fields: { deployment: command.id, job: command.jobId, why: command.why } }),
  },
  writeState: {
    lane: 'state',
    drain: true,
    done: 'stateWritten',
    failed: 'stateWriteFailed',
    failure: (command, failure) => ({ type: 'stateWriteFailed', id: command.id, state: command.state, failure }),
    operation: 'write_state',
    unforeseen: 'transient',
    timeoutMs: DEFAULT_COMMAND_TIMEOUT_MS,
    logLine: (command) => ({ level: 'info', message: 'state changed', fields: { deployment: command.id, ...command.state } }),
  },
  deleteState: {
    lane: 'state',
    drain: true,
    done: 'stateDeleted',
    failed: 'stateDeleteFailed',
    failure: (command, failure) => ({ type: 'stateDeleteFailed', id: command.id, failure }),
    operation: 'delete_state',
    unforeseen: 'transient',
    timeoutMs: DEFAULT_COMMAND_TIMEOUT_MS,
    logLine: (command) => ({ level: 'info', message: 'removing the state of a deleted deployment', fields: { deployment: command.id } }),
  },
  writeWatermark: {
    lane: 'state',
    drain: true,
    done: 'watermarkWritten',
    failed: 'watermarkWriteFailed',
    failure: (command, failure) => ({ type: 'watermarkWriteFailed', watermark: command.watermark, failure }),
    operation: 'write_watermark',
    unforeseen: 'transient',
    timeoutMs: DEFAULT_COMMAND_TIMEOUT_MS,
    logLine: (command) => ({ level: 'debug', message: 'writing the job-id watermark', fields: { floor: command.watermark.floor } }),
  },
  recordJobs: {
    lane: 'state',
    drain: true,
    done: 'jobsRecorded',
    failed: 'jobsRecordFailed',
    failure: (command, failure) => ({ type: 'jobsRecordFailed', add: command.add, remove: command.remove, failure }),
    operation: 'record_jobs',
    unforeseen: 'transient',
    timeoutMs: DEFAULT_COMMAND_TIMEOUT_MS,
    logLine: (command) => ({ level: 'debug', message: 'recording the jobs followed', fields: { added: command.add.length, removed: command.remove.length } }),
  },
} as const satisfies CommandTable;

export const COMMAND_TABLE: CommandTable = COMMANDS;

export const COMMAND_TYPES = Object.keys(COMMAND_TABLE) as readonly CommandType[];

/** The events that answer a command of type T: its row's `done` and `failed`. */
export type AnswerOf<T extends CommandType> = Extract<DeployerEvent, { readonly type: (typeof COMMANDS)[T]['done' | 'failed'] }>;

type FailureMisnamed = { [T in CommandType]: ReturnType<(typeof COMMANDS)[T]['failure']>['type'] extends (typeof COMMANDS)[T]['failed'] ? never : T }[CommandType];

/** Does not compile while a row's `failure` makes another event than the one its `failed` names. */
export const EVERY_FAILURE_AS_NAMED: [FailureMisnamed] extends [never] ? true : { readonly misnamed: FailureMisnamed } = true;

/** The row of one command type, typed for that type (also for a union of them). */
export function traitsOf<T extends CommandType>(type: T): CommandTraits<T> {
  return COMMAND_TABLE[type];
}

/** The outcome event that reports `command` as failed (its row's `failure`). Sinks use it for every error they catch. */
export function outcomeOfFailure(command: Command, failure: Failure): FailureEvent {
  return failureOf(command.type, command, failure);
}

function failureOf<T extends CommandType>(type: T, command: CommandOf<T>, failure: Failure): FailureEvent {
  return COMMAND_TABLE[type].failure(command, failure);
}

/** Hands a command to the sink of its type (called as a method of `sinks`, as a switch over the types would). */
export function carryOut<T extends CommandType>(sinks: DeployerSinks, type: T, command: CommandOf<T>): Observable<DeployerEvent> {
  return sinks[type](command);
}

/** Events the sources bring (Config DB, clock), not the answer to a command; so none reports a failure. */
type SourceEventType = Extract<'configListed' | 'deploymentPut' | 'deploymentInvalid' | 'deploymentDeleted' | 'tick', Exclude<EventType, FailureEventType>>;

type AnswerEventType = (typeof COMMANDS)[CommandType]['done' | 'failed'];
type UnclassifiedEventType = Exclude<EventType, AnswerEventType | SourceEventType>;

/** Does not compile while an event type is neither a source's (SourceEventType) nor a command's answer above. */
export const EVERY_EVENT_CLASSIFIED: [UnclassifiedEventType] extends [never] ? true : { readonly unclassified: UnclassifiedEventType } = true;

/** The command each failure event reports on: total, as every failure event is some command's `failed`. */
export const FAILED_COMMAND = Object.fromEntries(COMMAND_TYPES.map((type) => [COMMAND_TABLE[type].failed, type])) as {
  readonly [E in FailureEventType]: CommandType;
};
