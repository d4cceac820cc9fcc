// A poll applied as a difference by job id: only jobs that changed, appeared or went touch the
// slots that follow or claim them. A poll whose jobs are the very objects of the last one (the
// REST client's list cache hands out the same objects when Slurm says nothing changed) costs a
// pass of reference checks, and no slot.

import { claimOf, claimOfNext } from './job-claim.js';
import { isActiveJob } from './job-observation.js';
import { observed, observedAbsent, trackedJobOf, withTrackedJob } from './slot.js';
import type { SlurmJob } from './slurm-job.js';
import { isTerminalStatus, mapJobState, type JobState } from './status.js';
import type { StepDraft } from './step-draft.js';
import type { ReducerSettings } from './settings.js';
import { sameFields } from './same-fields.js';

export function applyPoll(settings: ReducerSettings, draft: StepDraft, pollId: number, allJobs: readonly SlurmJob[]): void {
  const s = draft.scalars;
  if (s.pollInFlight === pollId) Object.assign(s, { pollInFlight: undefined, pollScope: undefined });
  // A poll older than the one applied tells nothing new.
  if (s.lastPollId !== undefined && pollId <= s.lastPollId) return;
  const changed = sameObjects(s.lastPollJobs, allJobs) ? [] : applyDifference(settings, draft, allJobs, pollId);
  // A full list shows every labelled job: it is complete, and Slurm's job ids no longer need checking.
  // Where a lookup answered after it was sent, what the world holds may not be its jobs: the next
  // poll is compared job by job, never taken for unchanged because its objects are the same.
  const stoodByLookups = [...draft.read('lookedUp').values()].some((nextPollId) => pollId < nextPollId);
  Object.assign(s, { lastPollJobs: stoodByLookups ? undefined : allJobs, lastPollId: pollId, lastCompletePollId: pollId });
  pollApplied(draft, changed, pollId);
}

/** The followers of the jobs a poll changed see them (or their absence); slots that waited for it wake; lookups it follows are passed. */
export function pollApplied(draft: StepDraft, changed: readonly number[], pollId: number): void {
  for (const jobId of changed) observeJob(draft, jobId, pollId);
  for (const id of draft.takeDuePollWaits(pollId)) draft.dirty.add(id);
  const lookups = draft.read('lookedUp');
  if (lookups.size === 0) return;
  const passed: number[] = [];
  for (const [jobId, nextPollId] of lookups.entries()) if (nextPollId <= pollId) passed.push(jobId);
  for (const jobId of passed) draft.write('lookedUp').delete(jobId);
}

/**
 * Whether what the poll `pollId` says of a job (its state; undefined: the job is absent) may
 * stand. Always, unless the poll was issued before a lookup of the job was answered: then only
 * an end the lookup did not see (the job ended, then aged out of Slurm before the lookup: the end
 * seen beats the verdict "gone"); that the job is active, or absent, is older than the lookup (a
 * poll sent before a cancel still lists the job PENDING when it answers after the lookup that saw
 * it CANCELLED).
 */
export function pollMayTell(draft: StepDraft, jobId: number, pollId: number, state: JobState | undefined): boolean {
  const nextPollId = draft.read('lookedUp').get(jobId);
  if (nextPollId === undefined || pollId >= nextPollId) return true;
  if (state === undefined || !isTerminalStatus(mapJobState(state).status)) return false;
  const lookedUp = draft.polledJob(jobId);
  return lookedUp === undefined || !isTerminalStatus(mapJobState(lookedUp.state).status);
}

function sameObjects(a: readonly SlurmJob[] | undefined, b: readonly SlurmJob[]): boolean {
  if (a === b) return true;
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Updates the polled jobs and their claim index; returns the ids of jobs that changed or went. */
function applyDifference(settings: ReducerSettings, draft: StepDraft, allJobs: readonly SlurmJob[], pollId: number): number[] {
  const changed: number[] = [];
  const seenIds = new Set<number>();
  const before = draft.read('polled');
  for (const job of allJobs) {
    // Never trust the source alone: a job without our label is not ours to see.
    if (job.mcsLabel !== settings.job.label || seenIds.has(job.jobId)) continue;
    seenIds.add(job.jobId);
    if (!pollMayTell(draft, job.jobId, pollId, job.state)) continue;
    const previous = before.get(job.jobId);
    if (previous !== undefined && (previous === job || sameJob(previous, job))) continue;
    putPolled(draft, job, previous);
    changed.push(job.jobId);
  }
  if (seenIds.size !== before.size || changed.length > 0) {
    const gone: SlurmJob[] = [];
    for (const [jobId, job] of before.entries()) if (!seenIds.has(jobId) && pollMayTell(draft, jobId, pollId, undefined)) gone.push(job);
    for (const job of gone) {
      forgetPolled(draft, job);
      changed.push(job.jobId);
    }
  }
  return changed;
}

/**
 * A job looked up by id is fresher than the last poll, and than any poll still in flight: it
 * replaces the poll's entry (or, unknown to Slurm, takes it out), so that no decision acts on what
 * the lookup already contradicts, and polls issued before its answer tell only an end it missed (pollMayTell).
 */
export function recordLookup(draft: StepDraft, jobId: number, job: SlurmJob | undefined): void {
  // Polls issued before now (in flight) say older things of it.
  draft.write('lookedUp').set(jobId, draft.scalars.nextPollId);
  const previous = draft.polledJob(jobId);
  if (previous === undefined ? job === undefined : previous === job || (job !== undefined && sameJob(previous, job))) return;
  // The jobs known are no longer the last poll's: the next poll is compared job by job.
  draft.scalars.lastPollJobs = undefined;
  if (previous !== undefined) {
    draft.write('polled').delete(jobId);
    unclaim(draft, previous);
  }
  if (job === undefined) return;
  draft.write('polled').set(jobId, job);
  const claim = claimOf(job).deploymentId;
  const ids = draft.read('polledByClaim').get(claim) ?? [];
  draft.write('polledByClaim').set(claim, [...ids, jobId].sort((x, y) => x - y));
}

/** A job seen anew (or changed) in the polled jobs and their claim index; the slot it claims decides again. */
export function putPolled(draft: StepDraft, job: SlurmJob, previous: SlurmJob | undefined): void {
  draft.write('polled').set(job.jobId, job);
  const claim = claimOfNext(job, previous).deploymentId;
  if (previous === undefined || claimOf(previous).deploymentId !== claim) {
    if (previous !== undefined) unclaim(draft, previous);
    const ids = draft.read('polledByClaim').get(claim) ?? [];
    draft.write('polledByClaim').set(claim, [...ids, job.jobId].sort((x, y) => x - y));
  }
  draft.dirty.add(claim);
}

/** A job Slurm no longer shows, out of the polled jobs; the slot it claimed decides again. */
export function forgetPolled(draft: StepDraft, job: SlurmJob): void {
  draft.write('polled').delete(job.jobId);
  unclaim(draft, job);
  draft.dirty.add(claimOf(job).deploymentId);
  keepEndOfUnanswered(draft, job);
}

/**
 * An ended job of a submit not answered yet, gone from Slurm (aged out): the deployment keeps the
 * end seen, for the answer that names the job (apply-event.ts). Nothing else follows the job, and
 * an ended job seen is never lost.
 */
function keepEndOfUnanswered(draft: StepDraft, job: SlurmJob): void {
  const claim = claimOf(job);
  if (claim.submitId === undefined || isActiveJob(job)) return;
  const slot = draft.slot(claim.deploymentId);
  const d = slot?.deployment;
  if (d?.phase.kind !== 'submitting' || d.phase.submitId !== claim.submitId) return;
  const endsSeen = [...(d.phase.endsSeen ?? []).filter((seen) => seen.jobId !== job.jobId), job];
  draft.putSlot({ ...slot!, deployment: { ...d, phase: { ...d.phase, endsSeen } } });
}

function unclaim(draft: StepDraft, job: SlurmJob): void {
  const claim = claimOf(job).deploymentId;
  const ids = (draft.read('polledByClaim').get(claim) ?? []).filter((id) => id !== job.jobId);
  if (ids.length === 0) draft.write('polledByClaim').delete(claim);
  else draft.write('polledByClaim').set(claim, ids);
}

/** The deployment following a changed job sees it (or its absence); a stray's slot decides again. */
function observeJob(draft: StepDraft, jobId: number, pollId: number): void {
  const strayOwner = draft.read('strayOwners').get(jobId);
  if (strayOwner !== undefined) draft.dirty.add(strayOwner);
  const owner = draft.trackedBy(jobId);
  const slot = owner === undefined ? undefined : draft.slot(owner);
  const job = trackedJobOf(slot);
  if (slot?.deployment === undefined || job?.jobId !== jobId) return;
  const seen = draft.polledJob(jobId);
  const next = seen === undefined ? observedAbsent(job, pollId) : observed(job, seen);
  draft.putSlot(next === job ? slot : { ...slot, deployment: withTrackedJob(slot.deployment, next) });
}

/** What of a polled job, besides its state and exit code, can change what the deployer writes. */
const JOB_FIELDS = ['jobId', 'name', 'mcsLabel', 'comment', 'reason', 'submitTime', 'startTime', 'endTime', 'partial', 'source'] as const satisfies readonly (keyof SlurmJob)[];

export function sameJob(a: SlurmJob, b: SlurmJob): boolean {
  return (
    sameFields(a, b, JOB_FIELDS) &&
    a.state.base === b.state.base &&
    a.state.flags.join('+') === b.state.flags.join('+') &&
    a.exitCode?.status === b.exitCode?.status &&
    a.exitCode?.signal === b.exitCode?.signal
  );
}
