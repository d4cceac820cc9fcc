// Decisions for one slot, from the slot and the little it must see: the jobs of the latest poll
// that claim its id, and which deployment follows a job. As a controller's Reconcile(key): adopt
// a job found in Slurm, submit when nothing runs, cancel what nobody claims, look up a job a poll
// no longer shows, write the state when it changed, remove a deleted deployment's state.

import { sameJob } from './apply-poll.js';
import { claimOf, identityKnown, servesSpec } from './job-claim.js';
import { hasNamedDependencies, type DependencyArgs } from './dependencies.js';
import { DEPENDENCY_WAIT_MS, gateOf, type Gate } from './dependency-gate.js';
import { buildJobSpec } from './job-builder.js';
import { isActiveJob, stateOfJob } from './job-observation.js';
import { addStray, mayStillRun, observed, observedAbsent, trackedJob, trackedJobOf, withTrackedJob } from './slot.js';
import type { SlurmJob } from './slurm-job.js';
import { isResolved, settled } from './unknown-outcome.js';
import type { Deployment, Desired, TrackedJob } from './deployment.js';
import type { SlotCommands, SlotView } from './slot-view.js';
import { removeState, writeState } from './state-lane.js';
import { cancelSent, strayCommand, type StrayJob } from './stray-job.js';
import type { Slot } from './world.js';

export function decideSlot(input: Slot, view: SlotView): { readonly slot: Slot; readonly commands: SlotCommands } {
  const commands: SlotCommands = { own: [], cancels: [], removals: [] };
  if (input.deployment?.phase.kind === 'faulted') return { slot: writeState(input, view, commands), commands };
  let slot = resolveLeftover(input, view);
  slot = settleUncertain(slot, view);
  slot = observeFromPoll(slot, view);
  slot = checkPriorJob(slot);
  slot = adopt(slot, view);
  slot = collectStrays(slot, view);
  slot = submitOrLookUp(slot, view, commands);
  slot = writeState(slot, view, commands);
  slot = cancelStrays(slot, view, commands);
  slot = removeState(slot, view, commands);
  return { slot, commands };
}

/**
 * A leftover submit of unknown outcome is told by a complete poll issued after it settled: its
 * job, if any, shows as a stray.
 */
function resolveLeftover(slot: Slot, view: SlotView): Slot {
  const leftover = slot.leftover;
  if (leftover?.unknown === undefined) return slot;
  const unknown = settled(leftover.unknown, view.now, view.nextPollId);
  if (isResolved(unknown, view.lastCompletePollId)) return { ...slot, leftover: undefined };
  return unknown === leftover.unknown ? slot : { ...slot, leftover: { ...leftover, unknown } };
}

/** A submit of unknown outcome past its settle time names the poll that tells. */
function settleUncertain(slot: Slot, view: SlotView): Slot {
  const d = slot.deployment;
  const phase = d?.phase;
  if (d === undefined || phase?.kind !== 'uncertain') return slot;
  const { kind, submitId, ...unknown } = phase;
  const next = settled(unknown, view.now, view.nextPollId);
  return next === unknown ? slot : { ...slot, deployment: { ...d, phase: { kind, submitId, ...next } } };
}

/** The followed job as the latest poll shows it; one no poll has shown since it could have is looked up. */
function observeFromPoll(slot: Slot, view: SlotView): Slot {
  const job = trackedJobOf(slot);
  if (job === undefined || slot.deployment === undefined) return slot;
  const seen = view.polledJob(job.jobId);
  // The same job as last observed, by value (a world read back from JSON holds copies): nothing
  // new. An end without its details is not observed again here (that would ask for another lookup
  // at once after one failed): a poll that shows it again asks (apply-states.ts).
  if (seen !== undefined && job.observed !== undefined && (seen === job.observed || sameJob(seen, job.observed))) return slot;
  // A poll issued before the submit was answered shows what came before: the next one tells.
  if (seen !== undefined && job.observed === undefined && job.fromPriorState !== true && view.lastPollId < job.provableFromPollId) return slot;
  const next = seen === undefined ? observedAbsent(job, view.lastPollId) : observed(job, seen);
  return next === job ? slot : { ...slot, deployment: withTrackedJob(slot.deployment, next) };
}

/** Whether a deployment follows the job: this slot as it is now, or another. */
function followed(slot: Slot, view: SlotView, jobId: number): boolean {
  if (trackedJobOf(slot)?.jobId === jobId) return true;
  const owner = view.trackedBy(jobId);
  return owner !== undefined && owner !== slot.id;
}

/**
 * A job named by the state found at start may run an older spec (the args changed, then the
 * deployer stopped before it wrote the new state): once a poll shows the job, its identity
 * tells; a job of another spec is cancelled and the current spec submitted.
 */
function checkPriorJob(slot: Slot): Slot {
  const d = slot.deployment;
  const job = trackedJobOf(slot);
  if (d === undefined || job?.fromPriorState !== true || job.observed === undefined) return slot;
  const claim = claimOf(job.observed);
  const { fromPriorState: _verified, ...verified } = job;
  if (claim.submitId === undefined || servesSpec(claim, d.desired)) return { ...slot, deployment: withTrackedJob(d, verified) };
  // An end found at start is of this very spec (the state says so): what shows another is not that job.
  if (job.priorEnd !== undefined) return { ...slot, deployment: withTrackedJob(d, trackedJob(verified, job.observed, job.priorEnd, undefined)) };
  const idle: Slot = { ...slot, deployment: { ...d, phase: { kind: 'idle' } } };
  return mayStillRun(job) ? addStray(idle, job.jobId, 'replaced', job.provableFromPollId) : idle;
}

/** A deployment with no job and no submit outstanding follows a job of its own that a poll shows. */
function adopt(slot: Slot, view: SlotView): Slot {
  const d = slot.deployment;
  if (d === undefined || slot.leftover !== undefined) return slot;
  const phase = d.phase;
  if (phase.kind === 'rejected') return noteRejectedJob(slot, d, phase, view);
  if (phase.kind === 'uncertain') {
    // Proof either way: a job of this very submit shows; else, a complete poll late enough.
    const proof = view.claiming.find((j) => claimOf(j).submitId === phase.submitId && !followed(slot, view, j.jobId));
    if (proof !== undefined) return { ...slot, deployment: withTrackedJob({ ...d, phase: { kind: 'idle' } }, adoptedJob(proof, view)) };
    if (!isResolved(phase, view.lastCompletePollId)) return slot;
  }
  if (phase.kind !== 'idle' && phase.kind !== 'uncertain' && phase.kind !== 'waiting' && phase.kind !== 'blocked') return slot;
  const resolved: Deployment = phase.kind === 'uncertain' ? { ...d, phase: { kind: 'idle' } } : d;
  // Nor a job this slot has had cancelled (its deployment was deleted, then created again): it
  // is ending; the deployment waits for that, then submits.
  const chosen = chooseJob(
    view.claiming.filter((j) => !followed(slot, view, j.jobId) && !cancelSentOf(slot, j.jobId)),
    d.desired,
  );
  if (chosen === undefined) return resolved === d ? slot : { ...slot, deployment: resolved };
  return { ...slot, deployment: withTrackedJob(resolved, adoptedJob(chosen, view)) };
}

/** A job found in Slurm, followed from now on; an ended one with the state it ended in. */
function adoptedJob(chosen: SlurmJob, view: SlotView): TrackedJob {
  const submitId = claimOf(chosen).submitId;
  const job: TrackedJob = {
    jobId: chosen.jobId,
    ...(submitId ? { submitId } : {}),
    provableFromPollId: view.lastPollId,
    observed: chosen,
  };
  // An end known without its details (a state poll's) is completed by a lookup first.
  return isActiveJob(chosen) ? job : observed(job, chosen);
}

/** Whether the slot has asked Slurm to cancel this job (asking, or answered). */
function cancelSentOf(slot: Slot, jobId: number): boolean {
  const stray = slot.strays.find((s) => s.jobId === jobId);
  return stray !== undefined && cancelSent(stray);
}

/**
 * A job the refused submit made all the same, and that failed, is named in the state (Slurm can
 * answer an error after creating the job). An active one is cancelled as a stray, and ends CANCELLED.
 */
function noteRejectedJob(slot: Slot, d: Deployment, phase: Extract<Deployment['phase'], { kind: 'rejected' }>, view: SlotView): Slot {
  if (phase.job !== undefined || phase.submitId === undefined) return slot;
  const made = view.claiming.find((j) => stateOfJob(j).status === 'FAILED' && claimOf(j).submitId === phase.submitId);
  if (made === undefined) return slot;
  const job = { jobId: made.jobId, slurmState: stateOfJob(made).slurm_state ?? '' };
  return { ...slot, deployment: { ...d, phase: { ...phase, job } } };
}

/**
 * A job of the current spec, else one without a recorded identity (submitted by an older
 * deployer); of these the oldest active one, else the latest finished one. A job of an older
 * spec is not adopted: it is cancelled and the current spec submitted. A job known from state
 * polls only has no identity to read, which says nothing about its spec: not adopted so.
 */
function chooseJob(candidates: readonly SlurmJob[], desired: Desired): SlurmJob | undefined {
  const pick = (jobs: readonly SlurmJob[]) => jobs.filter(isActiveJob).sort(byJobId)[0] ?? [...jobs].sort(byJobId).at(-1);
  // Not even a finished one: a COMPLETED report makes a record that is not partial, and has no comment either.
  const legacy = (j: SlurmJob) => claimOf(j).submitId === undefined && identityKnown(j);
  return pick(candidates.filter((j) => servesSpec(claimOf(j), desired))) ?? pick(candidates.filter(legacy));
}

function byJobId(a: SlurmJob, b: SlurmJob): number {
  return a.jobId - b.jobId;
}

/** Strays: labelled, active jobs of this id that no deployment follows; gone ones are dropped. */
function collectStrays(slot: Slot, view: SlotView): Slot {
  if (slot.strays.length === 0 && view.claiming.length === 0) return slot;
  const kept = slot.strays.filter((stray) => {
    const seen = view.polledJob(stray.jobId);
    const gone = view.lastPollId >= stray.provableFromPollId && (seen === undefined || !isActiveJob(seen));
    return !gone && !followed(slot, view, stray.jobId);
  });
  let next: Slot = kept.length === slot.strays.length ? slot : { ...slot, strays: kept };
  // Submits still in flight (or of unknown outcome) may already show in a poll: not strays yet.
  const pending = pendingSubmit(next);
  for (const job of view.claiming) {
    if (followed(next, view, job.jobId) || next.strays.some((s) => s.jobId === job.jobId) || !isActiveJob(job)) continue;
    const claim = claimOf(job);
    if (claim.submitId !== undefined && pending.has(claim.submitId)) continue;
    const why = strayReason(next.deployment, claim);
    next = addStray(next, job.jobId, why, view.lastPollId);
    if (why === 'duplicate' && next.deployment !== undefined) next = { ...next, deployment: noteDuplicate(next.deployment, job.jobId) };
  }
  return next;
}

function pendingSubmit(slot: Slot): Set<string> {
  const pending = new Set<string>();
  const phase = slot.deployment?.phase;
  if (phase?.kind === 'submitting' || phase?.kind === 'uncertain') pending.add(phase.submitId);
  if (slot.deployment !== undefined && slot.leftover !== undefined) pending.add(slot.leftover.submitId);
  return pending;
}

function strayReason(d: Deployment | undefined, claim: ReturnType<typeof claimOf>): StrayJob['why'] {
  if (d === undefined) return 'deployment removed';
  if (!mayHaveJob(d)) return 'replaced';
  return claim.submitId === undefined || servesSpec(claim, d.desired) ? 'duplicate' : 'replaced';
}

/** A spec that is invalid, was rejected or faulted has no job: one found is cancelled, never followed. */
function mayHaveJob(d: Deployment): boolean {
  return d.phase.kind !== 'invalid' && d.phase.kind !== 'rejected' && d.phase.kind !== 'faulted';
}

function noteDuplicate(d: Deployment, jobId: number): Deployment {
  if (d.duplicates?.includes(jobId)) return d;
  return { ...d, duplicates: [...(d.duplicates ?? []), jobId].sort((a, b) => a - b) };
}

function submitOrLookUp(slot: Slot, view: SlotView, commands: SlotCommands): Slot {
  const d = slot.deployment;
  if (d === undefined) return slot;
  const phase = d.phase;
  // Cancel, then submit: never two jobs of one deployment at once.
  const free = slot.leftover === undefined && slot.strays.length === 0 && (d.retry === undefined || view.now >= d.retry.at);
  const { desired } = d;
  if ((phase.kind === 'idle' || phase.kind === 'waiting') && desired.args !== undefined) {
    // The deployments it depends on first: each must have a job, whose id Slurm is given.
    const gate = hasNamedDependencies(desired.args) ? dependencyGate(slot.id, d, desired.args, view) : READY;
    if (gate.kind === 'blocked') return { ...slot, deployment: { ...d, phase: { kind: 'blocked', reason: gate.reason }, retry: undefined } };
    if (gate.kind === 'waiting') return gate.phase === phase ? slot : { ...slot, deployment: { ...d, phase: gate.phase } };
    const idle: Slot = phase.kind === 'idle' ? slot : { ...slot, deployment: { ...d, phase: { kind: 'idle' } } };
    if (!free || !view.maySubmit(slot.id, desired.submitId)) return idle;
    const spec = buildJobSpec(slot.id, desired.submitId, desired.args, view.settings.job, desired.specHash, gate.after);
    commands.own.push({ type: 'submitJob', id: slot.id, submitId: desired.submitId, spec });
    return { ...slot, deployment: { ...d, phase: { kind: 'submitting', submitId: desired.submitId, floor: view.highestJobId } } };
  }
  const job = phase.kind === 'tracking' ? phase.job : undefined;
  // After an answer that was not the job, not before its backoff is over (wakeTimeOf wakes the slot).
  if (job?.missing === 'lookup' && (job.unmatched === undefined || view.now >= job.unmatched.at)) {
    commands.own.push({ type: 'lookupJob', id: slot.id, jobId: job.jobId });
    return { ...slot, deployment: withTrackedJob(d, trackedJob(job, job.observed, job.final, 'looking', job.unmatched)) };
  }
  return slot;
}

const READY: Gate = { kind: 'ready', after: new Map() };

function dependencyGate(id: string, d: Deployment, args: DependencyArgs, view: SlotView): Gate {
  const waitMs = view.settings.dependencyWaitMs ?? DEPENDENCY_WAIT_MS;
  return gateOf({ id, args, phase: d.phase, now: view.now, waitMs, deploymentOf: (other) => view.deploymentOf(other) });
}

function cancelStrays(slot: Slot, view: SlotView, commands: SlotCommands): Slot {
  if (slot.strays.length === 0) return slot;
  let changed = false;
  const strays = slot.strays.map((stray) => {
    const step = strayCommand(stray, view.now, view.lastPollId);
    if (step === undefined) return stray;
    // A lookup of a cancelled job asks Slurm now whether it ended, rather than wait for the next poll.
    commands.cancels.push(step.send === 'lookupJob' ? { type: 'lookupJob', id: slot.id, jobId: stray.jobId } : { type: 'cancelJob', id: slot.id, jobId: stray.jobId, why: stray.why });
    changed = true;
    return step.stray;
  });
  return changed ? { ...slot, strays } : slot;
}
