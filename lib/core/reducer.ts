// The reducer: (World, Event) -> { world, commands }. Facts are folded into the world first
// (this file); then every decision is derived from the world as a whole (reconcile.ts), so a
// missed or duplicated event is repaired by the next one, as in a level-triggered controller.

import { backoffDelay } from './backoff.js';
import { assertNever, type CancelReason, type Command } from './commands.js';
import { canonicalJson } from './canonical-json.js';
import { decodeSlurmArgs } from './deployment-args.js';
import type { DeploymentState } from './deployment-state.js';
import type { DeployerEvent, DeploymentEntry, InvalidDeployment } from './events.js';
import type { Failure } from './failure.js';
import { lostJobState, stateOfJob } from './job-observation.js';
import { reconcile } from './reconcile.js';
import type { SlurmJob } from './slurm-job.js';
import { isTerminalStatus } from './status.js';
import type { DeploymentRecord, Desired, ReducerSettings, StrayJob, TrackedJob, World } from './world.js';

export interface Step {
  readonly world: World;
  readonly commands: readonly Command[];
}

export type Reducer = (world: World, event: DeployerEvent) => Step;

export function createReducer(settings: ReducerSettings): Reducer {
  return (world, event) => reconcile(settings, applyEvent(settings, world, event));
}

export function applyEvent(settings: ReducerSettings, world: World, event: DeployerEvent): World {
  switch (event.type) {
    case 'configListed':
      return applyListing(world, event.deployments, event.invalid);
    case 'deploymentPut':
      return event.deployment.kind === 'slurm'
        ? upsertDeployment(world, desiredOf(event.deployment), event.deployment.id)
        : removeDeployment(world, event.deployment.id);
    case 'deploymentInvalid':
      return upsertDeployment(world, desiredOfInvalid(event.invalid), event.invalid.id);
    case 'deploymentDeleted':
      return removeDeployment(world, event.id);
    case 'tick':
      // Time never runs backwards for the reducer, whatever the wall clock does.
      return world.clockStarted && event.now <= world.now ? world : { ...world, now: event.now, clockStarted: true };
    case 'jobsPolled':
      return applyPoll(settings, world, event.pollId, event.jobs);
    case 'pollFailed':
      return world.pollInFlight === event.pollId ? { ...world, pollInFlight: undefined } : world;
    case 'jobSubmitted':
      return applySubmitted(world, event.id, event.submitId, event.jobId);
    case 'submitFailed':
      return applySubmitFailed(settings, world, event.id, event.submitId, event.failure);
    case 'jobLookedUp':
      return applyLookup(settings, world, event.id, event.jobId, event.job);
    case 'lookupFailed':
      // The next poll that misses the job asks again.
      return updateJob(world, event.id, event.jobId, (job) => (job.missing === 'looking' ? { ...job, missing: undefined } : job));
    case 'jobCancelled':
      return updateStray(world, event.jobId, (s) => ({ ...s, cancelling: false, attempt: 0, confirmByPollId: world.nextPollId }));
    case 'cancelFailed':
      if (event.failure.kind === 'permanent') return removeStray(world, event.jobId); // Slurm no longer knows the job
      return updateStray(world, event.jobId, (s) => ({
        ...s,
        cancelling: false,
        attempt: s.attempt + 1,
        notBefore: world.now + backoffDelay(settings.backoff, `cancel:${s.jobId}`, s.attempt + 1),
      }));
    case 'stateWritten':
      return updateRecord(world, event.id, (r) => (r.writeRetry ? { ...r, writeRetry: undefined } : r));
    case 'stateWriteFailed':
      return updateRecord(world, event.id, (r) => {
        const attempt = (r.writeRetry?.attempt ?? 0) + 1;
        const at = world.now + backoffDelay(settings.backoff, `write:${r.id}`, attempt);
        // Forget what was written so that reconcile writes the wanted state again once due.
        return { ...r, written: undefined, writeRetry: { attempt, at, reason: event.failure.message } };
      });
    default:
      return assertNever(event);
  }
}

function desiredOf(entry: DeploymentEntry): Desired {
  const decoded = decodeSlurmArgs(entry.args);
  const base = { revision: entry.revision, argsKey: canonicalJson(entry.args ?? null), submitId: `r${entry.revision}` };
  return decoded.ok ? { ...base, args: decoded.args } : { ...base, invalid: decoded.reason };
}

function desiredOfInvalid(invalid: InvalidDeployment): Desired {
  return { revision: invalid.revision, argsKey: `invalid:${invalid.reason}`, invalid: invalid.reason, submitId: `r${invalid.revision}` };
}

function applyListing(world: World, entries: readonly DeploymentEntry[], invalid: readonly InvalidDeployment[]): World {
  const listedIds = new Set([...entries.filter((e) => e.kind === 'slurm').map((e) => e.id), ...invalid.map((i) => i.id)]);
  let next: World = { ...world, listed: true };
  for (const id of Object.keys(world.deployments)) {
    if (!listedIds.has(id)) next = removeDeployment(next, id);
  }
  for (const entry of entries) {
    next = entry.kind === 'slurm' ? upsertDeployment(next, desiredOf(entry), entry.id, entry.priorState) : removeDeployment(next, entry.id);
  }
  for (const bad of invalid) next = upsertDeployment(next, desiredOfInvalid(bad), bad.id);
  return next;
}

function upsertDeployment(world: World, desired: Desired, id: string, priorState?: DeploymentState): World {
  const existing = world.deployments[id];
  if (existing === undefined) {
    const record: DeploymentRecord = {
      id,
      desired,
      generation: priorState?.generation ?? 1,
      written: priorState,
      job: jobOfPriorState(priorState, world.nextPollId),
    };
    return setRecord(world, record);
  }
  // Unchanged args never cause a resubmit, whatever else changed in the value.
  if (existing.desired.argsKey === desired.argsKey) return world;
  // A new spec: its job replaces the old one, which is cancelled first (reconcile waits for it).
  const job = existing.job;
  const next = job !== undefined && job.final === undefined ? addStray(world, job.jobId, id, 'replaced', job.provableFromPollId) : world;
  const record: DeploymentRecord = {
    id,
    desired,
    generation: existing.generation + 1,
    written: existing.written,
    // A submit of the old spec still in flight is answered first; its job is then a stray.
    ...(existing.submitting ? { submitting: existing.submitting } : {}),
    ...(existing.writeRetry ? { writeRetry: existing.writeRetry } : {}),
  };
  return setRecord(next, record);
}

/** After a restart, the state we wrote names the job: follow it rather than submit again. */
function jobOfPriorState(state: DeploymentState | undefined, nextPollId: number): TrackedJob | undefined {
  if (state?.job_id === undefined) return undefined;
  return {
    jobId: state.job_id,
    provableFromPollId: nextPollId,
    ...(isTerminalStatus(state.status) ? { final: state } : {}),
  };
}

function removeDeployment(world: World, id: string): World {
  const record = world.deployments[id];
  if (record === undefined) return world;
  const { [id]: _removed, ...deployments } = world.deployments;
  const job = record.job;
  const next = { ...world, deployments };
  // Its job, still active, is now nobody's: reconcile cancels strays.
  return job !== undefined && job.final === undefined ? addStray(next, job.jobId, id, 'deployment removed', job.provableFromPollId) : next;
}

function applyPoll(settings: ReducerSettings, world: World, pollId: number, allJobs: readonly SlurmJob[]): World {
  // Never trust the source alone: a job without our label is not ours to see.
  const jobs = allJobs.filter((j) => j.mcsLabel === settings.job.label);
  const byId = new Map(jobs.map((j) => [j.jobId, j]));
  const deployments: Record<string, DeploymentRecord> = {};
  for (const [id, record] of Object.entries(world.deployments)) {
    deployments[id] = record.job === undefined ? record : { ...record, job: observeJob(record.job, byId.get(record.job.jobId), pollId) };
  }
  return {
    ...world,
    pollInFlight: world.pollInFlight === pollId ? undefined : world.pollInFlight,
    lastPoll: world.lastPoll !== undefined && world.lastPoll.pollId > pollId ? world.lastPoll : { pollId, jobs },
    deployments,
  };
}

function observeJob(job: TrackedJob, seen: SlurmJob | undefined, pollId: number): TrackedJob {
  if (seen !== undefined) return observed(job, seen);
  // Finished jobs age out of Slurm (MinJobAge): their terminal state stands.
  if (job.final !== undefined || job.missing !== undefined) return job;
  // A poll issued before the job existed cannot prove it missing.
  if (pollId < job.provableFromPollId) return job;
  return { ...job, missing: 'lookup' };
}

/** Terminal states are sticky: once seen, later reports do not change the status. */
function observed(job: TrackedJob, seen: SlurmJob): TrackedJob {
  const { missing: _gone, ...rest } = job;
  if (job.final !== undefined) return { ...rest, observed: seen };
  const state = stateOfJob(seen);
  return isTerminalStatus(state.status) ? { ...rest, observed: seen, final: state } : { ...rest, observed: seen };
}

function applyLookup(settings: ReducerSettings, world: World, id: string, jobId: number, seen: SlurmJob | undefined): World {
  if (seen !== undefined && seen.mcsLabel !== settings.job.label) return world;
  return updateJob(world, id, jobId, (job) => {
    if (seen !== undefined) return observed(job, seen);
    if (job.final !== undefined) return job;
    const { missing: _gone, ...rest } = job;
    return { ...rest, final: lostJobState(job.jobId, job.observed) };
  });
}

function applySubmitted(world: World, id: string, submitId: string, jobId: number): World {
  const record = world.deployments[id];
  if (record === undefined || record.submitting?.submitId !== submitId) {
    // The deployment was removed while the submit was in flight: the job is nobody's.
    return addStray(world, jobId, id, 'deployment removed', world.nextPollId);
  }
  const answered = { ...record, submitting: undefined, uncertain: undefined, retry: undefined };
  if (submitId !== record.desired.submitId) {
    // The args changed while the submit of the old spec was in flight.
    return addStray(setRecord(world, answered), jobId, id, 'replaced', world.nextPollId);
  }
  return setRecord(world, { ...answered, job: { jobId, submitId, provableFromPollId: world.nextPollId } });
}

function applySubmitFailed(settings: ReducerSettings, world: World, id: string, submitId: string, failure: Failure): World {
  const record = world.deployments[id];
  if (record === undefined || record.submitting?.submitId !== submitId) return world;
  const base = { ...record, submitting: undefined };
  // An answer about an old spec says nothing about the new one, unless the job may exist.
  if (submitId !== record.desired.submitId && failure.kind !== 'unknown-outcome') return setRecord(world, base);
  switch (failure.kind) {
    case 'permanent':
      return setRecord(world, { ...base, rejected: failure.message, retry: undefined });
    case 'unknown-outcome':
      // The job may exist: only a poll issued from now on can tell.
      return setRecord(world, { ...base, uncertain: { submitId, resolvedByPollId: world.nextPollId } });
    case 'transient':
    case 'auth': {
      const attempt = (record.retry?.attempt ?? 0) + 1;
      const at = world.now + backoffDelay(settings.backoff, `submit:${id}`, attempt);
      return setRecord(world, { ...base, retry: { attempt, at, reason: failure.message } });
    }
    default:
      return assertNever(failure.kind);
  }
}

export function addStray(world: World, jobId: number, deploymentId: string, why: CancelReason, provableFromPollId: number): World {
  if (world.strays[jobId] !== undefined) return world;
  const stray: StrayJob = { jobId, deploymentId, why, cancelling: false, attempt: 0, notBefore: 0, provableFromPollId };
  return { ...world, strays: { ...world.strays, [jobId]: stray } };
}

function updateStray(world: World, jobId: number, update: (s: StrayJob) => StrayJob): World {
  const stray = world.strays[jobId];
  return stray === undefined ? world : { ...world, strays: { ...world.strays, [jobId]: update(stray) } };
}

function removeStray(world: World, jobId: number): World {
  if (world.strays[jobId] === undefined) return world;
  const { [jobId]: _gone, ...strays } = world.strays;
  return { ...world, strays };
}

function updateJob(world: World, id: string, jobId: number, update: (job: TrackedJob) => TrackedJob): World {
  return updateRecord(world, id, (r) => (r.job?.jobId === jobId ? { ...r, job: update(r.job) } : r));
}

function updateRecord(world: World, id: string, update: (r: DeploymentRecord) => DeploymentRecord): World {
  const record = world.deployments[id];
  return record === undefined ? world : setRecord(world, update(record));
}

function setRecord(world: World, record: DeploymentRecord): World {
  return { ...world, deployments: { ...world.deployments, [record.id]: record } };
}
