// What the reducer could know in one life: learnt from the events it was given, and from what the
// Config DB held when the life began. The properties judge its commands against it.

import { canonicalJson } from '../../lib/core/canonical-json.js';
import type { Command } from '../../lib/core/commands.js';
import { dependencyProblem } from '../../lib/core/dependencies.js';
import { decodeSlurmArgs } from '../../lib/core/deployment-args.js';
import { sameState, type DeploymentState } from '../../lib/core/deployment-state.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import { specHash } from '../../lib/core/spec-hash.js';
import { isTerminalStatus, mapJobState, type DeploymentStatus } from '../../lib/core/status.js';
import { LABEL } from './fixtures.js';
import { isActive, type SimulatedConfigDb } from './simulated-slurm.js';

/** What the reducer knows of a deployment's spec, from the events it was given. */
export interface BelievedSpec {
  readonly argsKey: string;
  readonly submitId: string;
  readonly valid: boolean;
}

export class ReducerKnowledge {
  readonly learnt = new Set<number>();
  readonly cancelled = new Set<number>();
  readonly submitsOutstanding = new Map<string, number>();
  /**
   * Submits answered with an unknown outcome (`id\nsubmitId`): when they settle, and the first
   * complete poll issued from then on (it tells whether their job exists).
   */
  readonly unresolved = new Map<string, { readonly settleAt: number; fromPollId?: number }>();
  lastPollId = 0;
  readonly believed = new Map<string, BelievedSpec>();
  readonly rejected = new Set<string>();
  /** `id\nargsKey` of deployments whose stored state, when the life began, said Slurm refused their current args. */
  readonly rememberedRejections = new Set<string>();
  readonly seenTerminal = new Map<number, DeploymentStatus>();
  /** The last state written per deployment, for the "only changes" check: forgotten after a failed write. */
  readonly lastWrite = new Map<string, DeploymentState>();
  /** The state the reducer last wrote (or found) per deployment; after a failed write, what is stored. */
  readonly lastWritten = new Map<string, DeploymentState>();

  /** A life that begins with what `db` holds; `settleMs`: how long an unknown outcome stays unknown (0: the next poll tells). */
  constructor(
    private readonly db: SimulatedConfigDb,
    private readonly settleMs: number,
  ) {
    for (const id of db.ids()) {
      const stored = db.get(id);
      const state = db.stateOf(id);
      if (stored === undefined || stored.unreadable !== undefined || state?.status !== 'FAILED' || state.job_id !== undefined) continue;
      const argsKey = canonicalJson(stored.args ?? null);
      if (state.reason?.startsWith('Slurm rejected the job: ') && state.spec === specHash(argsKey)) this.rememberedRejections.add(`${id}\n${argsKey}`);
    }
    for (const id of db.ids()) {
      const stored = db.stateOf(id);
      if (stored === undefined) continue;
      this.lastWritten.set(id, stored);
      if (stored.job_id !== undefined && ['FINISHED', 'FAILED', 'CANCELLED'].includes(stored.status)) this.seenTerminal.set(stored.job_id, stored.status);
    }
  }

  /** A poll issued at `now`: the unknown outcomes settled by then are told by its answer, if it is complete. */
  pollIssued(command: Extract<Command, { type: 'pollJobs' | 'pollStates' }>, now: number): void {
    this.lastPollId = Math.max(this.lastPollId, command.pollId);
    const complete = command.type === 'pollJobs' || command.discover !== undefined;
    if (!complete) return;
    for (const unknown of this.unresolved.values()) if (unknown.fromPollId === undefined && now >= unknown.settleAt) unknown.fromPollId = command.pollId;
  }

  /** Slurm refused this spec for good: in this life, or before it (the state remembers it). */
  isRejected(id: string, spec: BelievedSpec): boolean {
    return this.rejected.has(`${id}\n${spec.submitId}`) || this.rememberedRejections.has(`${id}\n${spec.argsKey}`);
  }

  /** What an event tells the reducer, at `now`. */
  learnFrom(event: DeployerEvent, now: number): void {
    switch (event.type) {
      case 'jobsPolled':
        for (const job of event.jobs) {
          if (job.mcsLabel !== LABEL) continue;
          this.learnt.add(job.jobId);
          if (!isActive(job)) this.seenTerminal.set(job.jobId, mapJobState(job.state).status);
        }
        break;
      case 'statesPolled':
        for (const report of event.states) {
          // An end a state poll showed stands if the job is gone before its lookup (apply-event.ts lookedUp).
          const status = mapJobState(report.state).status;
          if (isTerminalStatus(status)) this.seenTerminal.set(report.jobId, status);
        }
        for (const job of event.discovered ?? []) {
          if (job.mcsLabel !== LABEL) continue;
          this.learnt.add(job.jobId);
          if (!isActive(job)) this.seenTerminal.set(job.jobId, mapJobState(job.state).status);
        }
        break;
      case 'jobLookedUp':
        if (event.job !== undefined && event.job.mcsLabel === LABEL && !isActive(event.job)) {
          this.seenTerminal.set(event.jobId, mapJobState(event.job.state).status);
        }
        break;
      case 'jobSubmitted':
        this.learnt.add(event.jobId);
        break;
      case 'submitFailed':
        if (event.failure.kind === 'permanent') this.rejected.add(`${event.id}\n${event.submitId}`);
        // Its job may exist: only a complete poll issued once it settled can tell.
        if (event.failure.kind === 'unknown-outcome') this.unresolved.set(`${event.id}\n${event.submitId}`, { settleAt: now + this.settleMs });
        break;
      case 'stateWriteFailed': {
        this.lastWrite.delete(event.id);
        // A failed write may or may not have landed: what the deployer last wrote is what is stored
        // now, until it writes again (it need not, if a listing shows it what it wants stored).
        const stored = this.db.stateOf(event.id);
        if (stored === undefined) this.lastWritten.delete(event.id);
        else this.lastWritten.set(event.id, stored);
        break;
      }
      case 'deploymentPut':
        if (event.deployment.kind === 'slurm') this.believe(event.deployment.id, canonicalJson(event.deployment.args ?? null), event.deployment.revision, validArgs(event.deployment.id, event.deployment.args));
        else this.forget(event.deployment.id);
        break;
      case 'deploymentInvalid':
        this.believe(event.invalid.id, `invalid:${event.invalid.reason}`, event.invalid.revision, false);
        break;
      case 'deploymentDeleted':
        this.forget(event.id);
        break;
      case 'configListed': {
        const listed = new Set([...event.deployments.filter((d) => d.kind === 'slurm').map((d) => d.id), ...event.invalid.map((i) => i.id)]);
        for (const id of [...this.believed.keys()]) if (!listed.has(id)) this.forget(id);
        for (const d of event.deployments) {
          if (d.kind === 'slurm') this.believe(d.id, canonicalJson(d.args ?? null), d.revision, validArgs(d.id, d.args));
          else this.forget(d.id);
          if (d.priorState?.job_id !== undefined) this.learnt.add(d.priorState.job_id);
          // A listing that shows another state than the last written has it written again.
          if (!sameState(this.lastWrite.get(d.id), d.priorState)) this.lastWrite.delete(d.id);
        }
        for (const bad of event.invalid) this.believe(bad.id, `invalid:${bad.reason}`, bad.revision, false);
        for (const job of event.registeredJobs ?? []) this.learnt.add(job.jobId);
        break;
      }
      default:
        break;
    }
  }

  private believe(id: string, argsKey: string, revision: number, valid: boolean): void {
    const current = this.believed.get(id);
    if (current?.argsKey !== argsKey) this.believed.set(id, { argsKey, submitId: `r${revision}`, valid });
  }

  private forget(id: string): void {
    this.believed.delete(id);
    this.lastWrite.delete(id);
  }
}

/** Whether the reducer takes these args for this deployment (decoded, and not naming itself). */
export function validArgs(id: string, args: unknown): boolean {
  const decoded = decodeSlurmArgs(args);
  return decoded.ok && dependencyProblem(decoded.args, id) === undefined;
}
