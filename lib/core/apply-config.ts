// Config DB facts folded into slots: a listing, a put, an unreadable value, a deletion. A new
// spec replaces the job of the old one; a deletion leaves a slot behind while anything of the
// deployment is pending (its job to cancel, a submit outstanding, its state to remove).

import { DEPENDENCY_FAILED } from './dependencies.js';
import { sameState, type DeploymentState } from './deployment-state.js';
import { isLostVerdict } from './job-observation.js';
import { desiredOf, desiredOfInvalid } from './desired.js';
import type { DeployerEvent, DeploymentEntry } from './events.js';
import { addStray, mayStillRun, REJECTED } from './slot.js';
import { registryListed } from './registry-sync.js';
import { guarded } from './slot-fault.js';
import { watermarkListed } from './watermark.js';
import { isTerminalStatus } from './status.js';
import type { StepDraft } from './step-draft.js';
import type { Deployment, Desired, Phase, TrackedJob } from './deployment.js';
import type { ReducerSettings } from './settings.js';
import type { LeftoverSubmit, Slot } from './world.js';

export function applyEntry(settings: ReducerSettings, draft: StepDraft, entry: DeploymentEntry, listing?: Listing): void {
  guarded(draft, entry.id, (slot) => (entry.kind === 'slurm' ? upsert(draft, slot, desiredOf(entry), listing) : remove(settings, slot)), entry.revision);
}

interface Listing {
  /** The state found stored for the deployment (none: undefined). */
  readonly priorState?: DeploymentState;
  /** At start the prior state names this deployment's job; at a resync, an earlier one's. */
  readonly followPriorJob: boolean;
  /**
   * Jobs are seen by id only (state polls): a job the prior state names that no longer serves the
   * deployment (its args changed meanwhile) is cancelled by id, not found by a full list.
   */
  readonly byId: boolean;
}

export function applyListing(settings: ReducerSettings, draft: StepDraft, event: Extract<DeployerEvent, { type: 'configListed' }>): void {
  const { deployments: entries, invalid } = event;
  const listedIds = new Set<string>();
  for (const e of entries) if (e.kind === 'slurm') listedIds.add(e.id);
  for (const i of invalid) listedIds.add(i.id);
  const followPriorJob = !draft.scalars.listed;
  const byId = settings.statePollIntervalMs !== undefined;
  // The registry first: the floor holds of the slots put below depend on what it holds.
  if (followPriorJob) registryListed(settings, draft, event.registeredJobs);
  draft.scalars.listed = true;
  const unlisted: string[] = [];
  for (const [id, slot] of draft.read('slots').entries()) if (slot.deployment !== undefined && !listedIds.has(id)) unlisted.push(id);
  for (const id of unlisted) guarded(draft, id, (slot) => remove(settings, slot));
  for (const entry of entries) applyEntry(settings, draft, entry, { priorState: entry.priorState, followPriorJob, byId });
  for (const bad of invalid) guarded(draft, bad.id, (slot) => upsert(draft, slot, desiredOfInvalid(bad)), bad.revision);
  if (followPriorJob) watermarkListed(settings, draft, event.watermark, entries.some((e) => mayHaveUnrecordedJob(e, draft.slot(e.id)?.deployment)));
  // States of deployments deleted while no deployer watched go too, once their jobs have ended.
  // Their jobs, still active when their states were last written, are cancelled (found by id).
  if (byId) {
    for (const { id, jobId } of event.orphanJobs ?? []) {
      if (!listedIds.has(id)) guarded(draft, id, (slot) => addStray(slot, jobId, 'deployment removed', draft.scalars.nextPollId));
    }
    // So are the jobs of deployments made another kind meanwhile: their entries still carry our states.
    if (followPriorJob) {
      for (const e of entries) {
        const jobId = e.kind === 'slurm' ? undefined : activeJobOfOurState(e.priorState);
        if (jobId !== undefined) guarded(draft, e.id, (slot) => addStray(slot, jobId, 'deployment removed', draft.scalars.nextPollId));
      }
    }
  }
  if (settings.keepStateOfDeleted) return;
  for (const id of event.orphanStates ?? []) {
    if (listedIds.has(id)) continue;
    guarded(draft, id, (slot) => (slot.deployment !== undefined || slot.removal !== undefined ? slot : { ...slot, removal: { attempt: 0, notBefore: 0 } }));
  }
}

/**
 * A deployment whose state names no job and no end, or describes other args than it has now (a
 * submit of the new args may have been in flight): a submit of the last leader may have made a job.
 */
function mayHaveUnrecordedJob(entry: DeploymentEntry, deployment: Deployment | undefined): boolean {
  const state = entry.priorState;
  if (entry.kind !== 'slurm' || deployment === undefined) return false;
  if (specChanged(state, deployment.desired)) return true;
  return state?.job_id === undefined && (state === undefined || !isTerminalStatus(state.status));
}

export function upsert(draft: StepDraft, current: Slot, desired: Desired, listing?: Listing): Slot {
  // Created again: its state is its own again, not to be removed.
  const slot: Slot = current.removal === undefined ? current : { ...current, removal: undefined };
  const existing = slot.deployment;
  const priorState = listing?.priorState;
  if (existing === undefined) {
    const next: Slot = { ...slot, deployment: created(draft, slot, desired, listing) };
    const stale = listing?.followPriorJob === true && listing.byId ? staleJobOf(priorState, desired) : undefined;
    return stale === undefined ? next : addStray(next, stale, 'replaced', draft.scalars.nextPollId);
  }
  // A listing that finds another state than the one last written (a write or a deletion was
  // missed, say while the watch was down) has the wanted state written again.
  const written = listing !== undefined && !sameState(existing.written, priorState) ? undefined : existing.written;
  // Unchanged args never cause a resubmit, whatever else changed in the value.
  if (existing.desired.argsKey === desired.argsKey) return written === existing.written ? slot : { ...slot, deployment: { ...existing, written } };
  // A new spec: its job replaces the old one, which is cancelled first (the new one waits for it).
  // A submit of the old spec still outstanding is answered (or told by a poll) first: its job is a stray then.
  let next: Slot = slot;
  const phase = existing.phase;
  if (phase.kind === 'tracking' && mayStillRun(phase.job)) next = addStray(next, phase.job.jobId, 'replaced', phase.job.provableFromPollId);
  const leftover = leftoverOf(phase);
  if (leftover !== undefined) next = { ...next, leftover };
  const deployment: Deployment = {
    desired,
    generation: existing.generation + 1,
    phase: desired.invalid === undefined ? { kind: 'idle' } : { kind: 'invalid' },
    retry: undefined,
    duplicates: undefined,
    written,
    writeRetry: existing.writeRetry,
  };
  return { ...next, deployment };
}

function created(draft: StepDraft, slot: Slot, desired: Desired, listing?: Listing): Deployment {
  const priorState = listing?.priorState;
  const changedMeanwhile = specChanged(priorState, desired);
  const generation = (priorState?.generation ?? 1) + (changedMeanwhile ? 1 : 0);
  if (desired.invalid !== undefined) return born(desired, generation, priorState, { kind: 'invalid' });
  // Its job runs other args when the state says another spec (changed while the deployer was down).
  const job = listing?.followPriorJob && !changedMeanwhile ? jobOfPriorState(priorState, draft.scalars.nextPollId) : undefined;
  if (job !== undefined) return born(desired, generation, priorState, { kind: 'tracking', job });
  // Refused for good before the restart, these very args: not submitted again.
  const rejected = listing?.followPriorJob && !changedMeanwhile ? rejectionOfPriorState(priorState) : undefined;
  if (rejected !== undefined) return born(desired, generation, priorState, { kind: 'rejected', reason: rejected });
  // Its dependencies could never be met, these very args: they are not waited for again.
  const blocked = listing?.followPriorJob && !changedMeanwhile ? blockOfPriorState(priorState) : undefined;
  if (blocked !== undefined) return born(desired, generation, priorState, { kind: 'blocked', reason: blocked });
  // The outstanding submit of its former self is its own again only if it is of this very spec.
  if (slot.leftover?.submitId === desired.submitId) {
    const { submitId, floor, unknown } = slot.leftover;
    return born(desired, generation, priorState, unknown === undefined ? { kind: 'submitting', submitId, floor } : { kind: 'uncertain', submitId, ...unknown });
  }
  return born(desired, generation, priorState, { kind: 'idle' });
}

/** A deployment new to its slot, as one literal of fixed shape (see step-draft.ts storedSlot). */
function born(desired: Desired, generation: number, written: DeploymentState | undefined, phase: Phase): Deployment {
  return { desired, generation, phase, retry: undefined, duplicates: undefined, written, writeRetry: undefined };
}

/** Slurm's message, when the state found says Slurm refused the spec it names. */
function rejectionOfPriorState(state: DeploymentState | undefined): string | undefined {
  if (state?.status !== 'FAILED' || state.spec === undefined || !state.reason?.startsWith(REJECTED)) return undefined;
  return state.reason.slice(REJECTED.length);
}

/** Why, when the state found says the dependencies of the spec it names could never be met. */
function blockOfPriorState(state: DeploymentState | undefined): string | undefined {
  if (state?.status !== 'FAILED' || state.spec === undefined || state.job_id !== undefined || !state.reason?.startsWith(DEPENDENCY_FAILED)) return undefined;
  return state.reason.slice(DEPENDENCY_FAILED.length);
}

/** The job a state this deployer wrote (it names a spec) names, unless it had ended by the state's last word. */
function activeJobOfOurState(state: DeploymentState | undefined): number | undefined {
  return state?.spec === undefined || state.job_id === undefined || isTerminalStatus(state.status) ? undefined : state.job_id;
}

/** The job a state found at start names that runs other args than the deployment has now, if it may still run. */
function staleJobOf(state: DeploymentState | undefined, desired: Desired): number | undefined {
  if (state?.job_id === undefined || isTerminalStatus(state.status) || !specChanged(state, desired)) return undefined;
  return state.job_id;
}

/** Whether a state found in the Config DB describes other args than the deployment has now. */
function specChanged(state: DeploymentState | undefined, desired: Desired): boolean {
  return state?.spec !== undefined && state.spec !== desired.specHash;
}

/**
 * After a restart, the state we wrote names the job: follow it rather than submit again. An end it
 * names is final, unless Slurm's details of it never came (endWithoutDetails): then the job is
 * asked about once more, and the end stands if Slurm has forgotten it.
 */
function jobOfPriorState(state: DeploymentState | undefined, nextPollId: number): TrackedJob | undefined {
  if (state?.job_id === undefined) return undefined;
  const job = { jobId: state.job_id, provableFromPollId: nextPollId, fromPriorState: true };
  if (!isTerminalStatus(state.status)) return job;
  return endWithoutDetails(state) ? { ...job, priorEnd: state } : { ...job, final: state };
}

/**
 * An end a state poll showed (Slurm's state, no exit code) and the term that wrote it stopped
 * before its lookup answered. A verdict on a job gone unseen was looked up already.
 */
function endWithoutDetails(state: DeploymentState): boolean {
  return state.slurm_state !== undefined && state.exit_code === undefined && !isLostVerdict(state);
}

/** A submit of a spec the deployment no longer has, still to be answered or told by a poll. */
function leftoverOf(phase: Phase): LeftoverSubmit | undefined {
  if (phase.kind === 'submitting') return { submitId: phase.submitId, floor: phase.floor };
  if (phase.kind !== 'uncertain') return undefined;
  const { kind: _kind, submitId, ...unknown } = phase;
  return { submitId, floor: unknown.floor, unknown };
}

export function remove(settings: ReducerSettings, slot: Slot): Slot {
  const d = slot.deployment;
  if (d === undefined) return slot;
  let next: Slot = { ...slot, deployment: undefined };
  const phase = d.phase;
  // Its submit still outstanding may yet create a job: a deployment created again waits for it.
  const leftover = leftoverOf(phase);
  if (leftover !== undefined) next = { ...next, leftover };
  if (!settings.keepStateOfDeleted && d.written !== undefined) next = { ...next, removal: { attempt: 0, notBefore: 0 } };
  // Its job, still active, is now nobody's: it is cancelled.
  if (phase.kind === 'tracking' && mayStillRun(phase.job)) next = addStray(next, phase.job.jobId, 'deployment removed', phase.job.provableFromPollId);
  return next;
}
