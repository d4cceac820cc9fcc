// The marble scenario format (`sdp-slurm-deployer/testing`): the Config DB and the clock on aligned
// marble lines, what Slurm shows over time, how the sinks answer, and the commands expected.
// scenario-run.ts replays one through the real deployer() and reducer under an rxjs TestScheduler
// (1 frame = 1 ms); spec/scenarios holds ours, one file each.

import type { CancelReason, CommandType } from '../../lib/core/commands.js';
import type { DeploymentState } from '../../lib/core/deployment-state.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import type { Failure } from '../../lib/core/failure.js';
import type { JobSpec, SlurmJob } from '../../lib/core/slurm-job.js';
import type { ReducerSettings } from '../../lib/core/world.js';

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

/** What each marble letter of a line stands for. */
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
  /** Answers to submits, each a `submitted(jobId)` or a `fails(...)`. */
  readonly submitJob?: readonly Answer[];
  /** Answers to cancels. */
  readonly cancelJob?: readonly Answer[];
  /** Answers to state writes. */
  readonly writeState?: readonly Answer[];
  /** Answers to state deletes. */
  readonly deleteState?: readonly Answer[];
  /** Answers to job registry writes. */
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

/** A marble scenario: what the Config DB and Slurm do over time, how commands are answered, and the commands the deployer must issue, frame by frame (runScenario). */
export interface Scenario {
  /** Says what happens; it titles the spec. */
  readonly title: string;
  /** The rule of the contract or the design the scenario holds the deployer to. */
  readonly proves: string;
  /** The marble lines, aligned. */
  readonly timeline: Timeline;
  /** The Config DB events of `timeline.config`. */
  readonly config: Legend<DeployerEvent>;
  /** What Slurm shows, from the frames of `timeline.slurm`. */
  readonly slurm?: Legend<SlurmView>;
  /** How the sinks answer (unless Slurm is down). */
  readonly answers?: Answers;
  /** The commands of `timeline.commands`. */
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

/** The job label of scenarios: their settings' and their jobs' (slurmJob). */
export const SCENARIO_LABEL = 'sdp_slurm_deployer_test_ns';

/** The reducer settings a scenario runs with (over which its own `settings` go): a poll every 10 frames, backoff from 4 frames. */
export const scenarioSettings: ReducerSettings = {
  job: {
    label: SCENARIO_LABEL,
    defaults: { currentWorkingDirectory: '/tmp', partition: 'debug' },
    baseEnvironment: { PATH: '/usr/bin:/bin', SDP_CONFIG_HOST: '127.0.0.1', SDP_CONFIG_PORT: '2379' },
    extraEnvironment: {},
  },
  pollIntervalMs: 10,
  backoff: { baseMs: 4, maxMs: 64 },
};

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
