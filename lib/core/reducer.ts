// The reducer: (World, Event) -> { world, commands }. Facts are folded into the world first
// (this file); then every decision is derived from the world as a whole (reconcile.ts), so a
// missed or duplicated event is repaired by the next one, as in a level-triggered controller.

import { backoffDelay } from './backoff.js';
import { assertNever, type Command } from './commands.js';
import { canonicalJson } from './canonical-json.js';
import { specHash } from './spec-hash.js';
import { decodeSlurmArgs } from './deployment-args.js';
import { sameState, type DeploymentState } from './deployment-state.js';
import type { DeployerEvent, DeploymentEntry, InvalidDeployment } from './events.js';
import type { Failure } from './failure.js';
import { isActiveJob, lostJobState, stateOfJob } from './job-observation.js';
import { reconcile } from './reconcile.js';
import { addStray } from './stray-jobs.js';
import type { SlurmJob } from './slurm-job.js';
import { isTerminalStatus } from './status.js';
import type { DeploymentRecord, Desired, ReducerSettings, StateRemoval, StrayJob, TrackedJob, World } from './world.js';

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
      return applyListing(settings, world, event.deployments, event.invalid);
    case 'deploymentPut':
      return event.deployment.kind === 'slurm'
        ? upsertDeployment(world, desiredOf(event.deployment), event.deployment.id)
        : removeDeployment(settings, world, event.deployment.id);
    case 'deploymentInvalid':
      return upsertDeployment(world, desiredOfInvalid(event.invalid), event.invalid.id);
    case 'deploymentDeleted':
      return removeDeployment(settings, world, event.id);
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
      // Refused for good (the job is unknown or already ending): as after a cancel, ask again only
      // if a poll issued from now on still shows it active; the last poll may show it so.
      if (event.failure.kind === 'permanent') return updateStray(world, event.jobId, (s) => ({ ...s, cancelling: false, attempt: 0, confirmByPollId: world.nextPollId }));
      return updateStray(world, event.jobId, (s) => ({
        ...s,
        cancelling: false,
        attempt: s.attempt + 1,
        notBefore: world.now + backoffDelay(settings.backoff, `cancel:${s.jobId}`, s.attempt + 1),
      }));
    case 'stateWritten':
      return updateRecord(writeAnswered(world, event.id), event.id, (r) => (r.writeRetry ? { ...r, writeRetry: undefined } : r));
    case 'stateDeleted':
      return dropRemoval(writeAnswered(world, event.id), event.id);
    case 'stateDeleteFailed':
      return updateRemoval(writeAnswered(world, event.id), event.id, (r) => ({
        ...r,
        deleting: false,
        attempt: r.attempt + 1,
        notBefore: world.now + backoffDelay(settings.backoff, `delete:${r.id}`, r.attempt + 1),
      }));
    case 'stateWriteFailed':
      return updateRecord(writeAnswered(world, event.id), event.id, (r) => {
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
  const argsKey = canonicalJson(entry.args ?? null);
  const base = { revision: entry.revision, argsKey, submitId: `r${entry.revision}`, specHash: specHash(argsKey) };
  return decoded.ok ? { ...base, args: decoded.args } : { ...base, invalid: decoded.reason };
}

function desiredOfInvalid(invalid: InvalidDeployment): Desired {
  const argsKey = `invalid:${invalid.reason}`;
  return { revision: invalid.revision, argsKey, invalid: invalid.reason, submitId: `r${invalid.revision}`, specHash: specHash(argsKey) };
}

function applyListing(settings: ReducerSettings, world: World, entries: readonly DeploymentEntry[], invalid: readonly InvalidDeployment[]): World {
  const listedIds = new Set([...entries.filter((e) => e.kind === 'slurm').map((e) => e.id), ...invalid.map((i) => i.id)]);
  // At a resync, a deployment this process did not know is new to it: a job its prior state
  // names served an earlier deployment of that id, whose state outlived it. Only at start does
  // the prior state name a job this deployment had before a restart.
  const followPriorJob = !world.listed;
  let next: World = { ...world, listed: true };
  for (const id of Object.keys(world.deployments)) {
    if (!listedIds.has(id)) next = removeDeployment(settings, next, id);
  }
  for (const entry of entries) {
    next = entry.kind === 'slurm' ? upsertDeployment(next, desiredOf(entry), entry.id, { priorState: entry.priorState, followPriorJob }) : removeDeployment(settings, next, entry.id);
  }
  for (const bad of invalid) next = upsertDeployment(next, desiredOfInvalid(bad), bad.id);
  return next;
}

/** `listing` says what state a listing found stored for the deployment (none: undefined). */
function upsertDeployment(
  current: World,
  desired: Desired,
  id: string,
  listing?: { readonly priorState?: DeploymentState; readonly followPriorJob: boolean },
): World {
  // Created again: its state is its own again, not to be removed.
  const world = dropRemoval(current, id);
  const existing = world.deployments[id];
  const priorState = listing?.priorState;
  if (existing === undefined) {
    const orphan = world.orphanSubmits?.[id];
    const record: DeploymentRecord = {
      id,
      desired,
      generation: (priorState?.generation ?? 1) + (specChanged(priorState, desired) ? 1 : 0),
      written: priorState,
      // Its job runs other args when the state says another spec (changed while the deployer was down).
      job: listing?.followPriorJob && !specChanged(priorState, desired) ? jobOfPriorState(priorState, world.nextPollId) : undefined,
      // A submit of its former self is still in flight: answered first, its job is then a stray.
      ...(orphan === undefined ? {} : { submitting: { submitId: orphan } }),
      // One of unknown outcome: the poll that tells comes first; its job, if any, is then a stray.
      ...(world.orphanUncertain?.[id] === undefined ? {} : { uncertain: world.orphanUncertain[id] }),
    };
    return setRecord(world, record);
  }
  // A listing that finds another state than the one last written (a write or a deletion was
  // missed, say while the watch was down) has the wanted state written again.
  const written = listing !== undefined && !sameState(existing.written, priorState) ? undefined : existing.written;
  // Unchanged args never cause a resubmit, whatever else changed in the value.
  if (existing.desired.argsKey === desired.argsKey) return written === existing.written ? world : setRecord(world, { ...existing, written });
  // A new spec: its job replaces the old one, which is cancelled first (reconcile waits for it).
  const job = existing.job;
  const next = job !== undefined && job.final === undefined ? addStray(world, job.jobId, id, 'replaced', job.provableFromPollId) : world;
  const record: DeploymentRecord = {
    id,
    desired,
    generation: existing.generation + 1,
    written,
    // A submit of the old spec still in flight is answered first; its job is then a stray. One of
    // unknown outcome waits for the poll that tells, which shows its job (a stray) if any.
    ...(existing.submitting ? { submitting: existing.submitting } : {}),
    ...(existing.uncertain ? { uncertain: existing.uncertain } : {}),
    ...(existing.writeRetry ? { writeRetry: existing.writeRetry } : {}),
  };
  return setRecord(next, record);
}

/** Whether a state found in the Config DB describes other args than the deployment has now. */
function specChanged(state: DeploymentState | undefined, desired: Desired): boolean {
  return state?.spec !== undefined && state.spec !== desired.specHash;
}

/** After a restart, the state we wrote names the job: follow it rather than submit again. */
function jobOfPriorState(state: DeploymentState | undefined, nextPollId: number): TrackedJob | undefined {
  if (state?.job_id === undefined) return undefined;
  return {
    jobId: state.job_id,
    provableFromPollId: nextPollId,
    fromPriorState: true,
    ...(isTerminalStatus(state.status) ? { final: state } : {}),
  };
}

function removeDeployment(settings: ReducerSettings, world: World, id: string): World {
  const record = world.deployments[id];
  if (record === undefined) return world;
  const { [id]: _removed, ...deployments } = world.deployments;
  const job = record.job;
  let next: World = { ...world, deployments };
  // Its submit still in flight may yet create a job: a deployment created again waits for the answer.
  if (record.submitting !== undefined) next = { ...next, orphanSubmits: { ...next.orphanSubmits, [id]: record.submitting.submitId } };
  if (record.uncertain !== undefined) next = { ...next, orphanUncertain: { ...next.orphanUncertain, [id]: record.uncertain } };
  if (!settings.keepStateOfDeleted && record.written !== undefined) {
    next = { ...next, removals: { ...next.removals, [id]: { id, deleting: false, attempt: 0, notBefore: 0 } } };
  }
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
  // A submit of unknown outcome of a removed deployment is told by this poll: its job, if any, is a stray now.
  const orphanUncertain = Object.fromEntries(Object.entries(world.orphanUncertain ?? {}).filter(([, u]) => pollId < u.resolvedByPollId));
  return {
    ...world,
    ...(world.orphanUncertain === undefined ? {} : { orphanUncertain }),
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

function applySubmitted(current: World, id: string, submitId: string, jobId: number): World {
  const world = submitAnswered(current, id, submitId);
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
  const job: TrackedJob = { jobId, submitId, provableFromPollId: world.nextPollId };
  // A poll answered before the submit may have shown the job ended already: the next one may not
  // show it any more (aged out), and an ended job seen is never lost.
  const seen = world.lastPoll?.jobs.find((j) => j.jobId === jobId);
  return setRecord(world, { ...answered, job: seen !== undefined && !isActiveJob(seen) ? observed(job, seen) : job });
}

function applySubmitFailed(settings: ReducerSettings, current: World, id: string, submitId: string, failure: Failure): World {
  const world = submitAnswered(current, id, submitId);
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

function writeAnswered(world: World, id: string): World {
  if (world.writing?.[id] === undefined) return world;
  const { [id]: _answered, ...writing } = world.writing;
  return { ...world, writing };
}

/** The submit of a removed deployment has answered: its job, if any, is a stray now. */
function submitAnswered(world: World, id: string, submitId: string): World {
  if (world.orphanSubmits?.[id] !== submitId) return world;
  const { [id]: _answered, ...orphanSubmits } = world.orphanSubmits;
  return { ...world, orphanSubmits };
}

function updateRemoval(world: World, id: string, update: (r: StateRemoval) => StateRemoval): World {
  const removal = world.removals[id];
  return removal === undefined ? world : { ...world, removals: { ...world.removals, [id]: update(removal) } };
}

function dropRemoval(world: World, id: string): World {
  if (world.removals[id] === undefined) return world;
  const { [id]: _gone, ...removals } = world.removals;
  return { ...world, removals };
}

function updateStray(world: World, jobId: number, update: (s: StrayJob) => StrayJob): World {
  const stray = world.strays[jobId];
  return stray === undefined ? world : { ...world, strays: { ...world.strays, [jobId]: update(stray) } };
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
