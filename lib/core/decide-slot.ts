// Decisions for one slot, from the slot and the little it must see: the jobs of the latest poll
// that claim its id, and which deployment follows a job. As a controller's Reconcile(key): adopt
// a job found in Slurm, submit when nothing runs, cancel what nobody claims, look up a job a poll
// no longer shows, write the state when it changed, remove a deleted deployment's state.

import { adopt, checkPriorJob } from './adopt-job.js';
import { sameJob } from './apply-poll.js';
import type { Deployment } from './deployment.js';
import { hasNamedDependencies, type DependencyArgs } from './dependencies.js';
import { DEPENDENCY_WAIT_MS, gateOf, type Gate } from './dependency-gate.js';
import { buildJobSpec } from './job-builder.js';
import { observed, observedAbsent, trackedJob, trackedJobOf, withTrackedJob } from './slot.js';
import { cancelStrays, collectStrays } from './slot-strays.js';
import type { SlotCommands, SlotView } from './slot-view.js';
import { removeState, writeState } from './state-lane.js';
import { isResolved, settled } from './unknown-outcome.js';
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

