// Whether a deployment that names other deployments (after_ok and the like) may submit now: each
// deployment named must have a job, whose id goes into the Slurm dependency; until then it waits
// (PENDING, saying for what), and it fails when a dependency never can be met: one that failed
// without a job, was deleted, ended so that the condition can never hold, never came (an unknown
// id, for longer than the bound), or waits for it in turn (a cycle).

import { isLostVerdict } from './job-observation.js';
import { AFTER_FIELDS, DEPENDENCY_FAILED, dependencyIdsOf, hasNamedDependencies, namedDependencies, type AfterField, type DependencyArgs } from './dependencies.js';
import { endKnownOf } from './slot.js';
import type { DeploymentStatus } from './status.js';
import type { Deployment, Phase } from './deployment.js';

/** How long an id no deployment has is waited for, unless the settings say (ReducerSettings.dependencyWaitMs). */
export const DEPENDENCY_WAIT_MS = 10 * 60_000;

/** What a dependent sees of a deployment it names. */
export type DependencyView =
  | { readonly kind: 'absent' }
  /** It will have no job for its spec: invalid, refused by Slurm, faulted, or its own dependencies failed. */
  | { readonly kind: 'failed'; readonly reason: string }
  /** It will have one: not submitted yet, submitting, of unknown outcome, waiting, or a job not yet seen since a restart. */
  | { readonly kind: 'noJob' }
  | { readonly kind: 'job'; readonly jobId: number; readonly ended?: DeploymentStatus };

const ABSENT: DependencyView = { kind: 'absent' };
const NO_JOB: DependencyView = { kind: 'noJob' };

export function dependencyViewOf(deployment: Deployment | undefined): DependencyView {
  if (deployment === undefined) return ABSENT;
  const phase = deployment.phase;
  switch (phase.kind) {
    case 'invalid':
      return { kind: 'failed', reason: deployment.desired.invalid ?? 'invalid' };
    case 'rejected':
      return { kind: 'failed', reason: `Slurm rejected its job: ${phase.reason}` };
    case 'faulted':
      return { kind: 'failed', reason: phase.reason };
    case 'blocked':
      return { kind: 'failed', reason: `${DEPENDENCY_FAILED}${phase.reason}` };
    case 'tracking': {
      const job = phase.job;
      // A job named by the state found at start may be of older args: the first poll that shows it tells.
      if (job.fromPriorState === true && job.observed === undefined && job.final === undefined) return NO_JOB;
      // A job judged lost was never seen to start or end (nor, after a restart, to run these args): no condition can rest on it.
      if (job.final !== undefined && isLostVerdict(job.final)) return { kind: 'failed', reason: job.final.reason ?? 'job lost' };
      // An end known before its details (a state poll's) decides the condition as well as a final one.
      const ended = job.final ?? endKnownOf(job);
      return ended === undefined ? { kind: 'job', jobId: job.jobId } : { kind: 'job', jobId: job.jobId, ended: ended.status };
    }
    case 'idle':
    case 'submitting':
    case 'uncertain':
    case 'waiting':
      return NO_JOB;
  }
}

/** The view as a string: dependents are decided again when it changes. */
export function dependencyViewKey(deployment: Deployment | undefined): string {
  const view = dependencyViewOf(deployment);
  switch (view.kind) {
    case 'absent':
    case 'noJob':
      return view.kind;
    case 'failed':
      return 'failed';
    case 'job':
      return `job:${view.jobId}:${view.ended ?? ''}`;
  }
}

/** Whether the deployment's decision depends on the deployments it names: it has none of its own job yet. */
export function awaitsDependencies(deployment: Deployment | undefined): boolean {
  const kind = deployment?.phase.kind;
  return (kind === 'idle' || kind === 'waiting') && hasNamedDependencies(deployment?.desired.args);
}

export type WaitingPhase = Extract<Phase, { kind: 'waiting' }>;

export type Gate =
  /** Every dependency has a job: these go into the Slurm dependency (ended ones that met their condition do not). */
  | { readonly kind: 'ready'; readonly after: ReadonlyMap<AfterField, readonly number[]> }
  | { readonly kind: 'waiting'; readonly phase: WaitingPhase }
  | { readonly kind: 'blocked'; readonly reason: string };

export interface GateInput {
  readonly id: string;
  readonly args: DependencyArgs;
  readonly phase: Phase;
  readonly now: number;
  readonly waitMs: number;
  deploymentOf(id: string): Deployment | undefined;
}

export function gateOf(input: GateInput): Gate {
  const waiting = input.phase.kind === 'waiting' ? input.phase : undefined;
  const after = new Map<AfterField, number[]>();
  const waits: string[] = [];
  const unknown: string[] = [];
  const present: string[] = [];
  for (const { id, field } of namedDependencies(input.args)) {
    const view = dependencyViewOf(input.deploymentOf(id));
    const named = `${id} (${field})`;
    switch (view.kind) {
      case 'absent':
        // Seen while this one waited, gone now: deleted.
        if (waiting?.present.includes(id) === true) return blocked(`${named} was deleted`);
        unknown.push(id);
        waits.push(`${named} is no slurm deployment (yet)`);
        break;
      case 'failed':
        return blocked(`${named} failed without a job: ${view.reason}`);
      case 'noJob':
        present.push(id);
        waits.push(`${named} has no job yet`);
        break;
      case 'job':
        present.push(id);
        if (view.ended === undefined) after.set(field, [...(after.get(field) ?? []), view.jobId]);
        // Ended: the condition is decided. Met, Slurm need not be told (the job may be gone from
        // slurmctld by the time it is asked); not met, it never will be.
        else if (!endMeets(field, view.ended)) return blocked(`${named}: its job ${view.jobId} ended ${view.ended}, so ${field} can never be met`);
        break;
    }
  }
  if (waits.length === 0) return { kind: 'ready', after };
  const failAt = unknown.length === 0 ? undefined : (waiting?.failAt ?? input.now + input.waitMs);
  if (failAt !== undefined && input.now >= failAt) {
    return blocked(`${unknown.join(', ')}: no slurm deployment of that id within ${describeMs(input.waitMs)}`);
  }
  const cycle = cycleThrough(input);
  if (cycle !== undefined) return blocked(`a cycle: ${cycle.join(' -> ')}`);
  const until = failAt === undefined ? '' : `; FAILED at ${new Date(failAt).toISOString()} unless ${unknown.join(', ')} ${unknown.length === 1 ? 'comes' : 'come'}`;
  const reason = `waiting for its dependencies before submitting: ${waits.join('; ')}${until}`;
  const phase: WaitingPhase = failAt === undefined ? { kind: 'waiting', reason, present } : { kind: 'waiting', reason, failAt, present };
  return { kind: 'waiting', phase: waiting !== undefined && sameWait(waiting, phase) ? waiting : phase };
}

function blocked(reason: string): Gate {
  return { kind: 'blocked', reason };
}

/** Whether a dependency that ended so meets the field's condition (Slurm's test_job_dependency). */
function endMeets(field: AfterField, ended: DeploymentStatus): boolean {
  switch (AFTER_FIELDS[field]) {
    case 'afterok':
      return ended === 'FINISHED';
    case 'afternotok':
      return ended !== 'FINISHED';
    case 'afterany':
    case 'after':
      return true;
  }
}

/**
 * The deployments that wait for one another around this one, if they do: a path from it, through
 * deployments that have no job and await their own dependencies, back to it.
 */
function cycleThrough(input: GateInput): string[] | undefined {
  const visited = new Set<string>();
  const path: string[] = [input.id];
  const walk = (id: string): boolean => {
    const args = id === input.id ? input.args : input.deploymentOf(id)?.desired.args;
    for (const next of dependencyIdsOf(args)) {
      if (next === input.id) return true;
      if (visited.has(next) || !awaitsDependencies(input.deploymentOf(next))) continue;
      visited.add(next);
      path.push(next);
      if (walk(next)) return true;
      path.pop();
    }
    return false;
  };
  return walk(input.id) ? [...path, input.id] : undefined;
}

function sameWait(a: WaitingPhase, b: WaitingPhase): boolean {
  return a.reason === b.reason && a.failAt === b.failAt && a.present.join('\n') === b.present.join('\n');
}

function describeMs(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
  return `${Math.ceil(ms / 1000)} s`;
}
