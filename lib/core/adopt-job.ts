// A slot's deployment takes a job found in Slurm as its own: the job its state found at start
// named, once a poll shows which spec it runs, or one of its id and spec a poll shows (a submit of
// unknown outcome told, a job submitted by an older deployer, a job whose answer was lost).

import { claimOf, identityKnown, servesSpec } from './job-claim.js';
import type { Deployment, Desired, TrackedJob } from './deployment.js';
import { isActiveJob, stateOfJob } from './job-observation.js';
import { addStray, mayStillRun, observed, trackedJob, trackedJobOf, withTrackedJob } from './slot.js';
import { followed, type SlotView } from './slot-view.js';
import type { SlurmJob } from './slurm-job.js';
import { cancelSent } from './stray-job.js';
import { isResolved } from './unknown-outcome.js';
import type { Slot } from './world.js';

/**
 * A job named by the state found at start may run an older spec (the args changed, then the
 * deployer stopped before it wrote the new state): once a poll shows the job, its identity
 * tells; a job of another spec is cancelled and the current spec submitted.
 */
export function checkPriorJob(slot: Slot): Slot {
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
export function adopt(slot: Slot, view: SlotView): Slot {
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
