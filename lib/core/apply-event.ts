// Facts first: an event is folded into the slots it concerns (marking them to be decided again)
// and into the few world-wide facts (time, polls). Nothing here decides what to do next. Config
// DB facts are in apply-config.ts, polls in apply-poll.ts; the outcomes of commands are here.

import { applyEntry, applyListing, remove, upsert } from './apply-config.js';
import { applyPoll, recordLookup } from './apply-poll.js';
import { applyStates } from './apply-states.js';
import { jobsRecorded, jobsRecordFailed } from './registry-sync.js';
import { unknownOutcome } from './unknown-outcome.js';
import { sawJobId, submittedAt, watermarkWriteFailed, watermarkWritten } from './watermark.js';
import { backoffDelay } from './backoff.js';
import { assertNever } from './commands.js';
import { desiredOfInvalid } from './desired.js';
import type { DeployerEvent } from './events.js';
import type { Failure } from './failure.js';
import { isActiveJob, lostJobState } from './job-observation.js';
import { addStray, endKnownOf, observed, trackedJob, trackedJobOf, updateStray, withTrackedJob } from './slot.js';
import { guarded } from './slot-fault.js';
import { stateDeleted, stateDeleteFailed, stateWriteFailed, stateWritten } from './state-lane.js';
import { mismatchOf, unmatchedAnswer } from './lookup-match.js';
import type { SlurmJob } from './slurm-job.js';
import type { StepDraft } from './step-draft.js';
import type { Deployment, TrackedJob } from './deployment.js';
import type { ReducerSettings } from './settings.js';
import { cancelFailed, cancelRefused, cancelTaken, lookUpLater, lookupOf } from './stray-job.js';
import type { Slot } from './world.js';

export function applyEvent(settings: ReducerSettings, draft: StepDraft, event: DeployerEvent): void {
  const s = draft.scalars;
  switch (event.type) {
    case 'configListed':
      return applyListing(settings, draft, event);
    case 'deploymentPut':
      return applyEntry(settings, draft, event.deployment);
    case 'deploymentInvalid':
      return guarded(draft, event.invalid.id, (slot) => upsert(draft, slot, desiredOfInvalid(event.invalid)));
    case 'deploymentDeleted':
      return guarded(draft, event.id, (slot) => remove(settings, slot));
    case 'tick':
      // Time never runs backwards for the reducer, whatever the wall clock does.
      if (!s.clockStarted || event.now > s.now) Object.assign(s, { now: event.now, clockStarted: true });
      return;
    case 'jobsPolled':
      return applyPoll(settings, draft, event.pollId, event.jobs);
    case 'statesPolled':
      return applyStates(settings, draft, event);
    case 'pollFailed':
    case 'statesPollFailed':
      if (s.pollInFlight === event.pollId) Object.assign(s, { pollInFlight: undefined, pollScope: undefined });
      if (s.lastPollId === undefined && s.slurmSilentAtStart !== true) {
        s.slurmSilentAtStart = true;
        for (const id of draft.read('slots').keys()) draft.dirty.add(id);
      }
      return;
    case 'jobSubmitted':
      submittedAt(draft, event.jobId);
      return guarded(draft, event.id, (slot) => submitted(draft, slot, event.submitId, event.jobId));
    case 'submitFailed':
      return guarded(draft, event.id, (slot) => submitFailed(settings, draft, slot, event.submitId, event.failure));
    case 'jobLookedUp': {
      // An answer that is not the job looked up is neither the job nor proof that it is gone.
      const mismatch = event.job === undefined ? undefined : mismatchOf(settings.job.label, draft.slot(event.id), event.jobId, event.job);
      if (mismatch !== undefined) return guarded(draft, event.id, (slot) => unmatchedAnswer(settings, s.now, slot, event.jobId, mismatch));
      sawJobId(draft, event.jobId);
      recordLookup(draft, event.jobId, event.job);
      return guarded(draft, event.id, (slot) => strayLookedUp(settings, draft, lookedUp(settings, slot, event.jobId, event.job), event.jobId, event.job));
    }
    case 'lookupFailed':
      return guarded(draft, event.id, (slot) => {
        // The next poll that misses the job asks again.
        const next = updateJob(slot, event.jobId, (job) =>
          job.missing === 'looking' ? { ...withoutMissing(job), provableFromPollId: Math.max(job.provableFromPollId, draft.lastPollId + 1) } : job,
        );
        return updateStray(next, event.jobId, (st) => lookUpLater(st, s.now, settings.backoff));
      });
    case 'jobCancelled':
      // Asked at once whether it ended; where Slurm is polled for its states every few seconds,
      // the next state poll tells instead.
      return guarded(draft, event.id, (slot) =>
        updateStray(slot, event.jobId, (st) => cancelTaken(st, s.nextPollId, settings.statePollIntervalMs !== undefined ? undefined : s.now)),
      );
    case 'cancelFailed':
      return guarded(draft, event.id, (slot) =>
        updateStray(slot, event.jobId, (st) =>
          event.failure.kind === 'permanent' ? cancelRefused(st, s.nextPollId) : cancelFailed(st, s.now, settings.backoff),
        ),
      );
    case 'stateWritten':
      return guarded(draft, event.id, stateWritten);
    case 'stateWriteFailed':
      return guarded(draft, event.id, (slot) => stateWriteFailed(settings, s.now, slot, event.failure));
    case 'watermarkWritten':
      return watermarkWritten(draft, event.watermark);
    case 'watermarkWriteFailed':
      return watermarkWriteFailed(settings, draft);
    case 'jobsRecorded':
      return jobsRecorded(draft, event);
    case 'jobsRecordFailed':
      return jobsRecordFailed(settings, draft, event);
    case 'stateDeleted':
      return guarded(draft, event.id, stateDeleted);
    case 'stateDeleteFailed':
      return guarded(draft, event.id, (slot) => stateDeleteFailed(settings, s.now, slot));
    default:
      return assertNever(event);
  }
}

function submitted(draft: StepDraft, slot: Slot, submitId: string, jobId: number): Slot {
  const nextPollId = draft.scalars.nextPollId;
  const d = slot.deployment;
  if (slot.leftover?.submitId === submitId) {
    // The answer of a spec the deployment no longer has: its job makes way.
    const answered: Slot = { ...slot, leftover: undefined, ...(d ? { deployment: withoutRetry(d) } : {}) };
    return addStray(answered, jobId, d ? 'replaced' : 'deployment removed', nextPollId);
  }
  if (d?.phase.kind !== 'submitting' || d.phase.submitId !== submitId) return addStray(slot, jobId, 'deployment removed', nextPollId);
  const job: TrackedJob = { jobId, submitId, provableFromPollId: nextPollId };
  // A poll answered before the submit may have shown the job ended already: the next one may not
  // show it any more (aged out, or gone already: endsSeen), and an ended job seen is never lost.
  const seen = draft.polledJob(jobId) ?? d.phase.endsSeen?.find((end) => end.jobId === jobId);
  return { ...slot, deployment: withTrackedJob(withoutRetry(d), seen !== undefined && !isActiveJob(seen) ? observed(job, seen) : job) };
}

function submitFailed(settings: ReducerSettings, draft: StepDraft, slot: Slot, submitId: string, failure: Failure): Slot {
  const { now, nextPollId } = draft.scalars;
  const leftover = slot.leftover;
  if (leftover?.submitId === submitId) {
    // An answer about an old spec says nothing about the new one, unless the job may exist.
    if (failure.kind !== 'unknown-outcome') return { ...slot, leftover: undefined };
    return { ...slot, leftover: { submitId, floor: leftover.floor, unknown: unknownOutcome(settings, leftover.floor, now, nextPollId) } };
  }
  const d = slot.deployment;
  if (d?.phase.kind !== 'submitting' || d.phase.submitId !== submitId) return slot;
  switch (failure.kind) {
    case 'permanent':
      return { ...slot, deployment: { ...withoutRetry(d), phase: { kind: 'rejected', reason: failure.message, submitId } } };
    case 'unknown-outcome':
      // The job may exist, or appear later: only a complete poll issued late enough can tell.
      return { ...slot, deployment: { ...d, phase: { kind: 'uncertain', submitId, ...unknownOutcome(settings, d.phase.floor, now, nextPollId) } } };
    case 'transient':
    case 'auth': {
      const attempt = (d.retry?.attempt ?? 0) + 1;
      const at = now + backoffDelay(settings.backoff, `submit:${slot.id}`, attempt);
      return { ...slot, deployment: { ...d, phase: { kind: 'idle' }, retry: { attempt, at, reason: failure.message } } };
    }
    default:
      return assertNever(failure.kind);
  }
}

function lookedUp(settings: ReducerSettings, slot: Slot, jobId: number, seen: SlurmJob | undefined): Slot {
  return updateJob(slot, jobId, (job) => {
    if (seen !== undefined) return observed(job, seen);
    if (job.final !== undefined) return job;
    // Gone before its details came: the end a state poll showed (or the state found at start) stands, without them.
    const ended = endKnownOf(job);
    const lookedIn = settings.accounting === undefined ? undefined : settings.accounting ? 'slurmctld and accounting' : 'slurmctld';
    return trackedJob(job, job.observed, ended ?? lostJobState(job.jobId, job.observed, lookedIn), undefined);
  });
}

/** A cancelled job looked up: ended (or unknown to Slurm), it is no stray any more; else asked again soon. */
function strayLookedUp(settings: ReducerSettings, draft: StepDraft, slot: Slot, jobId: number, seen: SlurmJob | undefined): Slot {
  const stray = slot.strays.find((st) => st.jobId === jobId);
  if (stray === undefined || lookupOf(stray) === undefined) return slot;
  if (seen === undefined || !isActiveJob(seen)) return { ...slot, strays: slot.strays.filter((st) => st.jobId !== jobId) };
  return updateStray(slot, jobId, (st) => lookUpLater(st, draft.scalars.now, settings.backoff));
}

function updateJob(slot: Slot, jobId: number, update: (job: TrackedJob) => TrackedJob): Slot {
  const job = trackedJobOf(slot);
  if (job?.jobId !== jobId || slot.deployment === undefined) return slot;
  return { ...slot, deployment: withTrackedJob(slot.deployment, update(job)) };
}

function withoutRetry(d: Deployment): Deployment {
  if (d.retry === undefined) return d;
  const { retry: _r, ...rest } = d;
  return rest;
}

/** Not being looked up; unmatched answers so far still count. */
function withoutMissing(job: TrackedJob): TrackedJob {
  return trackedJob(job, job.observed, job.final, undefined, job.unmatched);
}
