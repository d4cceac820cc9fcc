// Keeps the job registry as stored (World.registry) in line with what the slots want stored
// (job-registry.ts), eventually and at a cost per change: putting a slot marks the jobs whose
// entries it wants changed as due (step-draft.ts), and a step that may decide compares the due
// ones with what is stored and sends the differences, one recordJobs at a time. Keys of jobs
// nobody follows go only once the term could decide (its first complete poll applied): until
// then they name the jobs that poll must ask for.

import { backoffDelay } from './backoff.js';
import type { Command } from './commands.js';
import type { DeployerEvent } from './events.js';
import { identityKnown } from './job-claim.js';
import { registeredJobsOf, registryOn } from './job-registry.js';
import { trackedJobOf } from './slot.js';
import { formatJobIdentity } from './slurm-job.js';
import type { StepDraft } from './step-draft.js';
import type { Deployment, TrackedJob } from './deployment.js';
import type { RegisteredJob } from './persisted.js';
import type { ReducerSettings } from './settings.js';
import { isReady, type World } from './world.js';

/** Entries stored or removed by one recordJobs, at most: its answer comes after about ten transactions. */
export const RECORDS_PER_COMMAND = 1000;

type Recorded = Extract<DeployerEvent, { type: 'jobsRecorded' | 'jobsRecordFailed' }>;

/** The term's first listing: the registry as stored, every entry due to be compared once the term may decide. */
export function registryListed(settings: ReducerSettings, draft: StepDraft, jobs: readonly RegisteredJob[] | undefined): void {
  if (!registryOn(settings) || jobs === undefined || jobs.length === 0) return;
  draft.changeRegistry(
    jobs.map((job) => job.jobId),
    () => {
      const registry = draft.write('registry');
      for (const job of jobs) registry.set(job.jobId, { jobId: job.jobId, deployment: job.deployment, comment: job.comment });
    },
  );
  const due = draft.write('registryDue');
  for (const job of jobs) due.set(job.jobId, false);
}

/** The registered jobs no slot follows: until the term's first complete poll, each poll asks for them too. */
export function unfollowedRegistered(draft: StepDraft): number[] {
  const following = draft.read('following');
  const ids: number[] = [];
  for (const jobId of draft.read('registry').keys()) if (!following.has(jobId)) ids.push(jobId);
  return ids;
}

/**
 * What a state report of a job not seen yet is made into: the deployment that follows it (or that
 * the registry names), and the identity the registry holds for it, if it names that deployment.
 */
export function registeredRecordOf(draft: StepDraft, jobId: number): { readonly owner: string; readonly comment: string } {
  const registered = draft.read('registry').get(jobId);
  const owner = draft.read('following').get(jobId) ?? registered?.deployment ?? '';
  return { owner, comment: registered?.deployment === owner ? registered.comment : '' };
}

/** The differences due, sent once the term may decide and no recordJobs is in flight (nor waits out a backoff). */
export function registryCommands(settings: ReducerSettings, draft: StepDraft): Command[] {
  const s = draft.scalars;
  const writes = s.registryWrites;
  if (!registryOn(settings) || writes.writing || draft.read('registryDue').size === 0 || !isReady(s as World, settings)) return [];
  if (writes.retryAt !== undefined && (!s.clockStarted || s.now < writes.retryAt)) return [];
  const add: RegisteredJob[] = [];
  const remove: number[] = [];
  const compared: number[] = [];
  for (const [jobId, maybeStored] of draft.read('registryDue').entries()) {
    if (add.length + remove.length >= RECORDS_PER_COMMAND) break;
    compared.push(jobId);
    const wanted = wantedEntry(draft, jobId);
    const stored = draft.read('registry').get(jobId);
    if (wanted === undefined) {
      if (stored !== undefined || maybeStored) remove.push(jobId);
    } else if (stored === undefined || stored.deployment !== wanted.deployment || (stored.comment !== wanted.comment && wanted.comment !== '')) {
      add.push(wanted);
    }
  }
  const due = draft.write('registryDue');
  for (const jobId of compared) due.delete(jobId);
  if (add.length === 0 && remove.length === 0) return [];
  s.registryWrites = { ...writes, writing: true };
  return [{ type: 'recordJobs', add, remove }];
}

/** A recordJobs answered: the registry as stored now; the floor may rise above the jobs it holds. */
export function jobsRecorded(draft: StepDraft, event: Extract<Recorded, { type: 'jobsRecorded' }>): void {
  draft.changeRegistry([...event.add.map((job) => job.jobId), ...event.remove], () => {
    const registry = draft.write('registry');
    for (const job of event.add) registry.set(job.jobId, { jobId: job.jobId, deployment: job.deployment, comment: job.comment });
    for (const jobId of event.remove) registry.delete(jobId);
  });
  draft.scalars.registryWrites = { writing: false, attempt: 0 };
}

/**
 * A recordJobs failed: any of its writes may have landed (they are made again, idempotent). A key
 * it was to store is not counted on (nor one it was to remove: the floor does not rely on it), but
 * may be stored: it is removed if it is not wanted. All due again, after a backoff.
 */
export function jobsRecordFailed(settings: ReducerSettings, draft: StepDraft, event: Extract<Recorded, { type: 'jobsRecordFailed' }>): void {
  draft.changeRegistry(event.remove, () => {
    const registry = draft.write('registry');
    for (const jobId of event.remove) registry.delete(jobId);
  });
  const registry = draft.read('registry');
  const due = draft.write('registryDue');
  for (const job of event.add) due.set(job.jobId, !registry.has(job.jobId) || due.get(job.jobId) === true);
  for (const jobId of event.remove) due.set(jobId, true);
  const s = draft.scalars;
  const attempt = s.registryWrites.attempt + 1;
  s.registryWrites = { writing: false, attempt, retryAt: s.now + backoffDelay(settings.backoff, 'registry', attempt) };
}

/** The entry the world wants stored for a job: the slot that tracks it or cancels it, and its identity. */
function wantedEntry(draft: StepDraft, jobId: number): RegisteredJob | undefined {
  const stored = draft.read('registry').get(jobId);
  const trackedBy = draft.trackedBy(jobId);
  const tracker = trackedBy === undefined ? undefined : draft.slot(trackedBy);
  const job = trackedJobOf(tracker);
  if (tracker?.deployment !== undefined && job?.jobId === jobId && registeredJobsOf(tracker).includes(jobId)) {
    // An ended job's key goes once its state is stored: not written again for what its record told since.
    if (job.final !== undefined && stored?.deployment === tracker.id) return stored;
    return { jobId, deployment: tracker.id, comment: trackedIdentity(tracker.id, tracker.deployment, job, stored) };
  }
  const strayOwner = draft.read('strayOwners').get(jobId);
  if (strayOwner === undefined || draft.slot(strayOwner)?.strays.some((stray) => stray.jobId === jobId) !== true) return undefined;
  // A stray keeps the identity stored while it was followed (a job replaced keeps its old spec's).
  if (stored?.deployment === strayOwner) return stored;
  const seen = draft.polledJob(jobId);
  return { jobId, deployment: strayOwner, comment: seen !== undefined && identityKnown(seen) ? seen.comment : '' };
}

/**
 * A followed job's identity: the one its submit gave it (the deployer's own job, or one adopted
 * by its identity), else what its record says, else what the registry holds. A followed job runs
 * its deployment's current spec (changed args make it a stray).
 */
function trackedIdentity(id: string, deployment: Deployment, job: TrackedJob, stored: RegisteredJob | undefined): string {
  if (job.submitId !== undefined) return formatJobIdentity({ deploymentId: id, submitId: job.submitId, specHash: deployment.desired.specHash });
  if (job.observed !== undefined && identityKnown(job.observed)) return job.observed.comment;
  return stored?.deployment === id ? stored.comment : '';
}
