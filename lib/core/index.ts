// The package entry `sdp-slurm-deployer/core`: the pure reducer, the events it takes, the
// commands it returns and the values they carry. No I/O, no clock, no RxJS: a replay tool or a
// planner can load it without the streams. Every path of lib/core an embedder may rely on is named
// here and nowhere else; the rest of lib/core is private.

/**
 * The deployer's pure core: a reducer `(world, event) => { world, commands }` and its data.
 *
 * @packageDocumentation
 * @module sdp-slurm-deployer/core
 */

export { createReducer, type Reducer, type Step } from './reducer.js';
export { initialWorld, type World, type ReducerSettings, type UnmatchedLookupSettings, type WatermarkSettings, type Watermark, type InFlightSubmit, type RegisteredJob } from './world.js';
export type { DeployerEvent, EventType, DeploymentEntry, InvalidDeployment } from './events.js';
export type { Command, CommandType, CancelReason } from './commands.js';
export type { DeploymentState } from './deployment-state.js';
export type { Failure, FailureKind } from './failure.js';
export type { SlurmJob, JobSpec, ExitCode, JobStateReport } from './slurm-job.js';
export type { JobState, DeploymentStatus } from './status.js';
export { DEPLOYMENT_STATUSES } from './status.js';
export type { JobSettings, JobDefaults } from './job-builder.js';
export type { JobOptions } from './job-options.js';
export { MAIL_TYPES, type MailType, type SlurmSignal, type SlurmTime } from './sbatch-values.js';
export type { BackoffSettings } from './backoff.js';
