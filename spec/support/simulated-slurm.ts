// A small, deterministic model of a Slurm cluster and of the SDP Config DB, used by the
// reducer's property specs to answer its commands plausibly. No I/O, no clock, no randomness:
// every choice (which job advances, how a call fails) is made by the caller.

import type { DeploymentState } from '../../lib/core/deployment-state.js';
import type { Command } from '../../lib/core/commands.js';
import type { DeploymentEntry } from '../../lib/core/events.js';
import type { JobSpec, JobStateReport, SlurmJob } from '../../lib/core/slurm-job.js';
import { isTerminalStatus, mapJobState, type JobState } from '../../lib/core/status.js';
import type { RegisteredJob, Watermark } from '../../lib/core/world.js';

const state = (base: string, ...flags: string[]): JobState => ({ base, flags });

/** One way a job may change: its state afterwards, with the reason and exit code Slurm would report. */
interface Transition {
  readonly state: JobState;
  readonly reason?: string;
  readonly exitCode?: { readonly status: number; readonly signal: number };
}

/** What may happen next to a job in a given state, keyed by its formatted state. */
const TRANSITIONS: Readonly<Record<string, readonly Transition[]>> = {
  PENDING: [
    { state: state('RUNNING') },
    { state: state('RUNNING') },
    { state: state('FAILED'), reason: 'launch failed', exitCode: { status: 1, signal: 0 } },
    // Cancelled by someone else (an operator's scancel).
    { state: state('CANCELLED'), exitCode: { status: 0, signal: 9 } },
    // A state this deployer does not know.
    { state: state('MYSTERY') },
  ],
  MYSTERY: [{ state: state('RUNNING') }, { state: state('FAILED'), exitCode: { status: 2, signal: 0 } }],
  RUNNING: [
    { state: state('COMPLETED'), exitCode: { status: 0, signal: 0 } },
    { state: state('FAILED'), reason: 'NonZeroExitCode', exitCode: { status: 3, signal: 0 } },
    { state: state('RUNNING', 'COMPLETING') },
    { state: state('TIMEOUT'), exitCode: { status: 0, signal: 15 } },
    { state: state('NODE_FAIL'), exitCode: { status: 0, signal: 0 } },
    { state: state('PENDING', 'REQUEUED'), reason: 'BeginTime' },
    { state: state('SUSPENDED') },
  ],
  'RUNNING+COMPLETING': [{ state: state('COMPLETED'), exitCode: { status: 0, signal: 0 } }],
  'PENDING+REQUEUED': [{ state: state('RUNNING') }, { state: state('PENDING') }],
  SUSPENDED: [{ state: state('RUNNING') }],
};

const formatted = (s: JobState): string => [s.base ?? '', ...s.flags].filter((p) => p !== '').join('+');

export function isActive(job: SlurmJob): boolean {
  return !isTerminalStatus(mapJobState(job.state).status);
}

export type CancelOutcome = 'cancelled' | 'already-ended' | 'unknown-job';

/**
 * What a state poll reads from the cluster as it was (`jobs`), as lib/slurm's readStates answers
 * it: the states of the ids asked for that Slurm knows; with `all` or `discover`, the highest job
 * id the cluster lists (0 when none); with `discover`, the jobs with our label above
 * `discover.above` that were neither asked for nor known, whole.
 */
export function readStates(jobs: readonly SlurmJob[], command: Extract<Command, { type: 'pollStates' }>, label: string): { states: JobStateReport[]; maxJobId?: number; discovered?: SlurmJob[] } {
  const byId = new Map(jobs.map((job) => [job.jobId, job]));
  const states = command.jobIds.flatMap((jobId) => {
    const job = byId.get(jobId);
    return job === undefined ? [] : [{ jobId, state: job.state }];
  });
  if (!command.all && command.discover === undefined) return { states };
  const maxJobId = jobs.reduce((max, job) => Math.max(max, job.jobId), 0);
  const discover = command.discover;
  if (discover === undefined) return { states, maxJobId };
  const skip = new Set([...command.jobIds, ...discover.known]);
  const discovered = jobs.filter((job) => job.jobId > discover.above && !skip.has(job.jobId) && job.mcsLabel === label);
  return { states, maxJobId, discovered };
}

/** The jobs of a Slurm cluster: created, advanced, cancelled, aged out and lost. */
export class SimulatedSlurm {
  private nextJobId: number;
  private readonly jobs = new Map<number, SlurmJob>();
  /** Every job the cluster ever held, in its last state, also once Slurm forgot it. */
  private readonly everyJob = new Map<number, SlurmJob>();

  constructor(firstJobId = 100) {
    this.nextJobId = firstJobId;
  }

  /** Runs a submit: the job starts PENDING. */
  submit(spec: JobSpec): number {
    return this.add({ name: spec.name, mcsLabel: spec.mcsLabel, comment: spec.comment });
  }

  /** Adds a job submitted by someone else (or by an earlier deployer), in any state. */
  add(fields: { name: string; mcsLabel: string; comment: string; state?: JobState }): number {
    const jobId = this.nextJobId++;
    this.set({ jobId, name: fields.name, mcsLabel: fields.mcsLabel, comment: fields.comment, state: fields.state ?? state('PENDING'), reason: 'None' });
    return jobId;
  }

  /** What a poll of the cluster returns now: every job Slurm still knows, whatever its label. */
  list(): SlurmJob[] {
    return [...this.jobs.values()].sort((a, b) => a.jobId - b.jobId);
  }

  get(jobId: number): SlurmJob | undefined {
    return this.jobs.get(jobId);
  }

  /** The job as last known, also after Slurm forgot it; undefined for an id never issued. */
  everHeld(jobId: number): SlurmJob | undefined {
    return this.everyJob.get(jobId);
  }

  has(jobId: number): boolean {
    return this.jobs.has(jobId);
  }

  cancel(jobId: number): CancelOutcome {
    const job = this.jobs.get(jobId);
    if (job === undefined) return 'unknown-job';
    if (!isActive(job)) return 'already-ended';
    this.set({ ...job, state: state('CANCELLED'), reason: 'None', exitCode: { status: 0, signal: 15 } });
    return 'cancelled';
  }

  /** Moves an active job on by one of the transitions its state allows (`choice` picks which). */
  advance(jobId: number, choice: number): void {
    const job = this.jobs.get(jobId);
    const options = job === undefined ? undefined : TRANSITIONS[formatted(job.state)];
    if (job === undefined || options === undefined || options.length === 0) return;
    const next = options[choice % options.length]!;
    const { exitCode: _old, ...rest } = job;
    this.set({ ...rest, state: next.state, reason: next.reason ?? 'None', ...(next.exitCode ? { exitCode: next.exitCode } : {}) });
  }

  /** A finished job ages out of Slurm (MinJobAge). Active jobs stay. */
  ageOut(jobId: number): void {
    const job = this.jobs.get(jobId);
    if (job !== undefined && !isActive(job)) this.jobs.delete(jobId);
  }

  /** The job disappears while active (its node died with the controller's record of it). */
  vanish(jobId: number): void {
    const job = this.jobs.get(jobId);
    if (job !== undefined && isActive(job)) this.jobs.delete(jobId);
  }

  private set(job: SlurmJob): void {
    this.jobs.set(job.jobId, job);
    this.everyJob.set(job.jobId, job);
  }
}

interface StoredDeployment {
  readonly kind: string;
  readonly args: unknown;
  /** A value that could not be read (malformed JSON): listed as invalid. */
  readonly unreadable?: string;
  readonly revision: number;
}

export type ConfigDbChange =
  | { readonly type: 'put'; readonly deployment: DeploymentEntry }
  | { readonly type: 'invalid'; readonly id: string; readonly reason: string; readonly revision: number }
  | { readonly type: 'deleted'; readonly id: string };

/** The deployments and their states, with the semantics of lib/configdb (revisions, guarded writes). */
export class SimulatedConfigDb {
  private revision: number;
  private readonly deployments = new Map<string, StoredDeployment>();
  private readonly states = new Map<string, DeploymentState>();
  /** The job-id watermark (`/slurm-deployer/watermark/<label>`): written by the leader, read with every listing. */
  watermark: Watermark | undefined;
  /** The job registry (`/slurm-deployer/jobs/<label>/<jobId>`): written by the leader, read with every listing. */
  readonly registry = new Map<number, RegisteredJob>();

  constructor(firstRevision = 10) {
    this.revision = firstRevision - 1;
  }

  put(id: string, kind: string, args: unknown): ConfigDbChange {
    const revision = ++this.revision;
    this.deployments.set(id, { kind, args, revision });
    return { type: 'put', deployment: { id, kind, args, revision } };
  }

  putUnreadable(id: string, reason: string): ConfigDbChange {
    const revision = ++this.revision;
    this.deployments.set(id, { kind: '?', args: undefined, unreadable: reason, revision });
    return { type: 'invalid', id, reason, revision };
  }

  /** Deletes a deployment with its children (its state), as ska-sdp-config does. */
  delete(id: string): ConfigDbChange | undefined {
    if (!this.deployments.has(id)) return undefined;
    this.revision++;
    this.deployments.delete(id);
    this.states.delete(id);
    return { type: 'deleted', id };
  }

  get(id: string): StoredDeployment | undefined {
    return this.deployments.get(id);
  }

  ids(): string[] {
    return [...this.deployments.keys()].sort();
  }

  /** Writes a state only while its deployment exists (a transaction guards it). */
  writeState(id: string, value: DeploymentState): 'written' | 'deployment-missing' {
    if (!this.deployments.has(id)) return 'deployment-missing';
    this.states.set(id, value);
    return 'written';
  }

  /** Stores and removes job registry entries; `upTo` of them only (a call whose later transactions failed). */
  recordJobs(add: readonly RegisteredJob[], remove: readonly number[], upTo = Infinity): void {
    let done = 0;
    for (const jobId of remove) if (done++ < upTo) this.registry.delete(jobId);
    for (const job of add) if (done++ < upTo) this.registry.set(job.jobId, job);
  }

  /** Deletes a state only while its deployment does not exist. */
  deleteState(id: string): 'deleted' | 'deployment-exists' {
    if (this.deployments.has(id)) return 'deployment-exists';
    this.states.delete(id);
    return 'deleted';
  }

  stateOf(id: string): DeploymentState | undefined {
    return this.states.get(id);
  }

  /** Everything, as a listing at start or after a watch resync reports it (with the watermark and the job registry, read in the same snapshot). */
  list(): { deployments: DeploymentEntry[]; invalid: { id: string; reason: string; revision: number }[]; watermark?: Watermark; registeredJobs?: RegisteredJob[] } {
    const deployments: DeploymentEntry[] = [];
    const invalid: { id: string; reason: string; revision: number }[] = [];
    for (const id of this.ids()) {
      const stored = this.deployments.get(id)!;
      if (stored.unreadable !== undefined) {
        invalid.push({ id, reason: stored.unreadable, revision: stored.revision });
        continue;
      }
      const priorState = this.states.get(id);
      const base = { id, kind: stored.kind, args: stored.args, revision: stored.revision };
      deployments.push(priorState === undefined ? base : { ...base, priorState });
    }
    const registeredJobs = [...this.registry.values()].sort((a, b) => a.jobId - b.jobId);
    return { deployments, invalid, ...(this.watermark === undefined ? {} : { watermark: this.watermark }), ...(registeredJobs.length > 0 ? { registeredJobs } : {}) };
  }
}
