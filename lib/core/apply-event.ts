// Facts first: an event is folded into the slots it concerns (marking them to be decided again)
// and into the few world-wide facts (time, polls). Nothing here decides what to do next.

import { backoffDelay } from './backoff.js';
import { assertNever } from './commands.js';
import { sameState, type DeploymentState } from './deployment-state.js';
import { desiredOf, desiredOfInvalid } from './desired.js';
import type { DeployerEvent, DeploymentEntry } from './events.js';
import type { Failure } from './failure.js';
import { isActiveJob, lostJobState } from './job-observation.js';
import { applyPoll, recordLookup } from './apply-poll.js';
import { addStray, emptySlot, observed, REJECTED, trackedJobOf, updateStray, withTrackedJob } from './slot.js';
import type { SlurmJob } from './slurm-job.js';
import { isTerminalStatus } from './status.js';
import type { StepDraft } from './step-draft.js';
import type { Deployment, Desired, ReducerSettings, Slot, StrayJob, TrackedJob } from './world.js';
import { faultSlot } from './slot-fault.js';

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
    case 'pollFailed':
      if (s.pollInFlight === event.pollId) s.pollInFlight = undefined;
      if (s.lastPollId === undefined && s.slurmSilentAtStart !== true) {
        s.slurmSilentAtStart = true;
        for (const id of draft.read('slots').keys()) draft.dirty.add(id);
      }
      return;
    case 'jobSubmitted':
      return guarded(draft, event.id, (slot) => submitted(draft, slot, event.submitId, event.jobId));
    case 'submitFailed':
      return guarded(draft, event.id, (slot) => submitFailed(settings, draft, slot, event.submitId, event.failure));
    case 'jobLookedUp':
      if (event.job !== undefined && event.job.mcsLabel !== settings.job.label) return;
      recordLookup(draft, event.jobId, event.job);
      return guarded(draft, event.id, (slot) => strayLookedUp(settings, draft, lookedUp(slot, event.jobId, event.job), event.jobId, event.job));
    case 'lookupFailed':
      return guarded(draft, event.id, (slot) => {
        // The next poll that misses the job asks again.
        const next = updateJob(slot, event.jobId, (job) =>
          job.missing === 'looking' ? { ...withoutMissing(job), provableFromPollId: Math.max(job.provableFromPollId, draft.lastPollId + 1) } : job,
        );
        return updateStray(next, event.jobId, (st) => confirmLater(settings, s.now, st));
      });
    case 'jobCancelled':
      return guarded(draft, event.id, (slot) =>
        updateStray(slot, event.jobId, (st) => ({
          ...st,
          cancelling: false,
          attempt: 0,
          confirmByPollId: s.nextPollId,
          // Asked at once whether it ended; a lookup already in flight answers first.
          confirm: st.confirm?.looking ? { ...st.confirm, attempt: 0 } : { attempt: 0, at: s.now, looking: false },
        })),
      );
    case 'cancelFailed':
      return guarded(draft, event.id, (slot) =>
        updateStray(slot, event.jobId, (st) =>
          // Refused for good (the job is unknown or already ending): as after a cancel, ask again
          // only if a poll issued from now on still shows it active.
          event.failure.kind === 'permanent'
            ? { ...st, cancelling: false, attempt: 0, confirmByPollId: s.nextPollId }
            : { ...st, cancelling: false, attempt: st.attempt + 1, notBefore: s.now + backoffDelay(settings.backoff, `cancel:${st.jobId}`, st.attempt + 1) },
        ),
      );
    case 'stateWritten':
      return guarded(draft, event.id, (slot) => withDeployment({ ...slot, writing: false }, (d) => (d.writeRetry ? { ...d, writeRetry: undefined } : d)));
    case 'stateWriteFailed':
      return guarded(draft, event.id, (slot) =>
        withDeployment({ ...slot, writing: false }, (d) => {
          const attempt = (d.writeRetry?.attempt ?? 0) + 1;
          const at = s.now + backoffDelay(settings.backoff, `write:${slot.id}`, attempt);
          // Forget what was written so that the wanted state is written again once due.
          return { ...d, written: undefined, writeRetry: { attempt, at, reason: event.failure.message } };
        }),
      );
    case 'stateDeleted':
      return guarded(draft, event.id, (slot) => ({ ...slot, writing: false, removal: undefined }));
    case 'stateDeleteFailed':
      return guarded(draft, event.id, (slot) => {
        const removal = slot.removal;
        if (removal === undefined) return { ...slot, writing: false };
        const attempt = removal.attempt + 1;
        return { ...slot, writing: false, removal: { deleting: false, attempt, notBefore: s.now + backoffDelay(settings.backoff, `delete:${slot.id}`, attempt) } };
      });
    default:
      return assertNever(event);
  }
}

/** Applies a change to one slot; whatever it throws fails that deployment alone. */
function guarded(draft: StepDraft, id: string, change: (slot: Slot) => Slot, revision?: number): void {
  const slot = draft.slot(id) ?? emptySlot(id);
  let next: Slot;
  try {
    next = change(slot);
  } catch (error) {
    next = faultSlot(slot, error, revision);
  }
  draft.putSlot(next);
}

function applyEntry(settings: ReducerSettings, draft: StepDraft, entry: DeploymentEntry, listing?: Listing): void {
  guarded(draft, entry.id, (slot) => (entry.kind === 'slurm' ? upsert(draft, slot, desiredOf(entry), listing) : remove(settings, slot)), entry.revision);
}

interface Listing {
  /** The state found stored for the deployment (none: undefined). */
  readonly priorState?: DeploymentState;
  /** At start the prior state names this deployment's job; at a resync, an earlier one's. */
  readonly followPriorJob: boolean;
}

function applyListing(settings: ReducerSettings, draft: StepDraft, event: Extract<DeployerEvent, { type: 'configListed' }>): void {
  const { deployments: entries, invalid } = event;
  const listedIds = new Set<string>();
  for (const e of entries) if (e.kind === 'slurm') listedIds.add(e.id);
  for (const i of invalid) listedIds.add(i.id);
  const followPriorJob = !draft.scalars.listed;
  draft.scalars.listed = true;
  const unlisted: string[] = [];
  for (const [id, slot] of draft.read('slots').entries()) if (slot.deployment !== undefined && !listedIds.has(id)) unlisted.push(id);
  for (const id of unlisted) guarded(draft, id, (slot) => remove(settings, slot));
  for (const entry of entries) applyEntry(settings, draft, entry, { priorState: entry.priorState, followPriorJob });
  for (const bad of invalid) guarded(draft, bad.id, (slot) => upsert(draft, slot, desiredOfInvalid(bad)), bad.revision);
  // States of deployments deleted while no deployer watched go too, once their jobs have ended.
  if (settings.keepStateOfDeleted) return;
  for (const id of event.orphanStates ?? []) {
    if (listedIds.has(id)) continue;
    guarded(draft, id, (slot) => (slot.deployment !== undefined || slot.removal !== undefined ? slot : { ...slot, removal: { deleting: false, attempt: 0, notBefore: 0 } }));
  }
}

function upsert(draft: StepDraft, current: Slot, desired: Desired, listing?: Listing): Slot {
  // Created again: its state is its own again, not to be removed.
  const slot: Slot = current.removal === undefined ? current : { ...current, removal: undefined };
  const existing = slot.deployment;
  const priorState = listing?.priorState;
  if (existing === undefined) return { ...slot, deployment: created(draft, slot, desired, listing) };
  // A listing that finds another state than the one last written (a write or a deletion was
  // missed, say while the watch was down) has the wanted state written again.
  const written = listing !== undefined && !sameState(existing.written, priorState) ? undefined : existing.written;
  // Unchanged args never cause a resubmit, whatever else changed in the value.
  if (existing.desired.argsKey === desired.argsKey) return written === existing.written ? slot : { ...slot, deployment: { ...existing, written } };
  // A new spec: its job replaces the old one, which is cancelled first (the new one waits for it).
  // A submit of the old spec still outstanding is answered (or told by a poll) first: its job is a stray then.
  let next: Slot = slot;
  const phase = existing.phase;
  if (phase.kind === 'tracking' && phase.job.final === undefined) next = addStray(next, phase.job.jobId, 'replaced', phase.job.provableFromPollId);
  if (phase.kind === 'submitting') next = { ...next, leftover: { submitId: phase.submitId } };
  if (phase.kind === 'uncertain') next = { ...next, leftover: { submitId: phase.submitId, resolvedByPollId: phase.resolvedByPollId } };
  const deployment: Deployment = {
    desired,
    generation: existing.generation + 1,
    phase: desired.invalid === undefined ? { kind: 'idle' } : { kind: 'invalid' },
    ...(written === undefined ? {} : { written }),
    ...(existing.writeRetry ? { writeRetry: existing.writeRetry } : {}),
  };
  return { ...next, deployment };
}

function created(draft: StepDraft, slot: Slot, desired: Desired, listing?: Listing): Deployment {
  const priorState = listing?.priorState;
  const changedMeanwhile = specChanged(priorState, desired);
  const base = {
    desired,
    generation: (priorState?.generation ?? 1) + (changedMeanwhile ? 1 : 0),
    ...(priorState === undefined ? {} : { written: priorState }),
  };
  if (desired.invalid !== undefined) return { ...base, phase: { kind: 'invalid' } };
  // Its job runs other args when the state says another spec (changed while the deployer was down).
  const job = listing?.followPriorJob && !changedMeanwhile ? jobOfPriorState(priorState, draft.scalars.nextPollId) : undefined;
  if (job !== undefined) return { ...base, phase: { kind: 'tracking', job } };
  // Refused for good before the restart, these very args: not submitted again.
  const rejected = listing?.followPriorJob && !changedMeanwhile ? rejectionOfPriorState(priorState) : undefined;
  if (rejected !== undefined) return { ...base, phase: { kind: 'rejected', reason: rejected } };
  // The outstanding submit of its former self is its own again only if it is of this very spec.
  if (slot.leftover?.submitId === desired.submitId) {
    const { submitId, resolvedByPollId } = slot.leftover;
    return { ...base, phase: resolvedByPollId === undefined ? { kind: 'submitting', submitId } : { kind: 'uncertain', submitId, resolvedByPollId } };
  }
  return { ...base, phase: { kind: 'idle' } };
}

/** Slurm's message, when the state found says Slurm refused the spec it names. */
function rejectionOfPriorState(state: DeploymentState | undefined): string | undefined {
  if (state?.status !== 'FAILED' || state.spec === undefined || !state.reason?.startsWith(REJECTED)) return undefined;
  return state.reason.slice(REJECTED.length);
}

/** Whether a state found in the Config DB describes other args than the deployment has now. */
function specChanged(state: DeploymentState | undefined, desired: Desired): boolean {
  return state?.spec !== undefined && state.spec !== desired.specHash;
}

/** After a restart, the state we wrote names the job: follow it rather than submit again. */
function jobOfPriorState(state: DeploymentState | undefined, nextPollId: number): TrackedJob | undefined {
  if (state?.job_id === undefined) return undefined;
  return { jobId: state.job_id, provableFromPollId: nextPollId, fromPriorState: true, ...(isTerminalStatus(state.status) ? { final: state } : {}) };
}

function remove(settings: ReducerSettings, slot: Slot): Slot {
  const d = slot.deployment;
  if (d === undefined) return slot;
  let next: Slot = { ...slot, deployment: undefined };
  const phase = d.phase;
  // Its submit still outstanding may yet create a job: a deployment created again waits for it.
  if (phase.kind === 'submitting') next = { ...next, leftover: { submitId: phase.submitId } };
  if (phase.kind === 'uncertain') next = { ...next, leftover: { submitId: phase.submitId, resolvedByPollId: phase.resolvedByPollId } };
  if (!settings.keepStateOfDeleted && d.written !== undefined) next = { ...next, removal: { deleting: false, attempt: 0, notBefore: 0 } };
  // Its job, still active, is now nobody's: it is cancelled.
  if (phase.kind === 'tracking' && phase.job.final === undefined) next = addStray(next, phase.job.jobId, 'deployment removed', phase.job.provableFromPollId);
  return next;
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
  // show it any more (aged out), and an ended job seen is never lost.
  const seen = draft.polledJob(jobId);
  return { ...slot, deployment: withTrackedJob(withoutRetry(d), seen !== undefined && !isActiveJob(seen) ? observed(job, seen) : job) };
}

function submitFailed(settings: ReducerSettings, draft: StepDraft, slot: Slot, submitId: string, failure: Failure): Slot {
  const { now, nextPollId } = draft.scalars;
  if (slot.leftover?.submitId === submitId) {
    // An answer about an old spec says nothing about the new one, unless the job may exist.
    return { ...slot, leftover: failure.kind === 'unknown-outcome' ? { submitId, resolvedByPollId: nextPollId } : undefined };
  }
  const d = slot.deployment;
  if (d?.phase.kind !== 'submitting' || d.phase.submitId !== submitId) return slot;
  switch (failure.kind) {
    case 'permanent':
      return { ...slot, deployment: { ...withoutRetry(d), phase: { kind: 'rejected', reason: failure.message, submitId } } };
    case 'unknown-outcome':
      // The job may exist: only a poll issued from now on can tell.
      return { ...slot, deployment: { ...d, phase: { kind: 'uncertain', submitId, resolvedByPollId: nextPollId } } };
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

function lookedUp(slot: Slot, jobId: number, seen: SlurmJob | undefined): Slot {
  return updateJob(slot, jobId, (job) => {
    if (seen !== undefined) return observed(job, seen);
    if (job.final !== undefined) return job;
    return { ...withoutMissing(job), final: lostJobState(job.jobId, job.observed) };
  });
}

/** A cancelled job looked up: ended (or unknown to Slurm), it is no stray any more; else asked again soon. */
function strayLookedUp(settings: ReducerSettings, draft: StepDraft, slot: Slot, jobId: number, seen: SlurmJob | undefined): Slot {
  const stray = slot.strays.find((st) => st.jobId === jobId);
  if (stray?.confirm === undefined) return slot;
  if (seen === undefined || !isActiveJob(seen)) return { ...slot, strays: slot.strays.filter((st) => st.jobId !== jobId) };
  return updateStray(slot, jobId, (st) => confirmLater(settings, draft.scalars.now, st));
}

/** Confirmation lookups back off from half a second to two seconds at most. */
const CONFIRM_BACKOFF = { baseMs: 500, maxMs: 2000 };

function confirmLater(settings: ReducerSettings, now: number, stray: StrayJob): StrayJob {
  if (stray.confirm === undefined) return stray;
  const attempt = stray.confirm.attempt + 1;
  const backoff = { baseMs: Math.min(CONFIRM_BACKOFF.baseMs, settings.backoff.baseMs), maxMs: Math.min(CONFIRM_BACKOFF.maxMs, settings.backoff.maxMs) };
  return { ...stray, confirm: { attempt, at: now + backoffDelay(backoff, `confirm:${stray.jobId}`, attempt), looking: false } };
}

function updateJob(slot: Slot, jobId: number, update: (job: TrackedJob) => TrackedJob): Slot {
  const job = trackedJobOf(slot);
  if (job?.jobId !== jobId || slot.deployment === undefined) return slot;
  return { ...slot, deployment: withTrackedJob(slot.deployment, update(job)) };
}

function withDeployment(slot: Slot, update: (d: Deployment) => Deployment): Slot {
  return slot.deployment === undefined ? slot : { ...slot, deployment: update(slot.deployment) };
}

function withoutRetry(d: Deployment): Deployment {
  if (d.retry === undefined) return d;
  const { retry: _r, ...rest } = d;
  return rest;
}

function withoutMissing(job: TrackedJob): TrackedJob {
  const { missing: _m, ...rest } = job;
  return rest;
}
