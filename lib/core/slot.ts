// A slot's small facts: what job it follows, what state it shows, when it must be decided again.

import { DEPENDENCY_FAILED } from './dependencies.js';
import type { DeploymentState } from './deployment-state.js';
import { isLostVerdict, stateOfJob } from './job-observation.js';
import type { SlurmJob } from './slurm-job.js';
import { isTerminalStatus } from './status.js';
import type { Deployment, TrackedJob } from './deployment.js';
import { cancelDueAt, confirmPollOf, lookupDueAt, newStray, type StrayJob } from './stray-job.js';
import type { Slot } from './world.js';

/** How the reason of a deployment whose submit has an unknown outcome begins. */
export const UNKNOWN_OUTCOME = 'the outcome of its submit is unknown';

/** How the state of a deployment Slurm refused begins: read back after a restart. */
export const REJECTED = 'Slurm rejected the job: ';

/** Most slots have no strays: they share one empty list. */
const NO_STRAYS: readonly StrayJob[] = Object.freeze([]);

export function emptySlot(id: string): Slot {
  // The shape the world stores slots in (step-draft.ts storedSlot): spreads of it keep that shape.
  return { id, deployment: undefined, leftover: undefined, strays: NO_STRAYS, stateLane: 'idle', removal: undefined, wakeAt: undefined, wakePoll: undefined, queued: undefined };
}

/** Nothing pending under the id: the slot can go. */
export function isIdleSlot(slot: Slot): boolean {
  return slot.deployment === undefined && slot.leftover === undefined && slot.strays.length === 0 && slot.stateLane === 'idle' && slot.removal === undefined;
}

export function trackedJobOf(slot: Slot | undefined): TrackedJob | undefined {
  const phase = slot?.deployment?.phase;
  return phase?.kind === 'tracking' ? phase.job : undefined;
}

export function withTrackedJob(deployment: Deployment, job: TrackedJob): Deployment {
  return { ...deployment, phase: { kind: 'tracking', job } };
}

/**
 * Terminal states are sticky: once seen, later reports do not change the status. A job judged
 * lost (a lookup found it gone) that a poll answered later shows ended takes the state it ended
 * in: the poll was carried out before the job aged out of Slurm, and a state seen beats a verdict.
 * An end known from a state poll alone (no reason, no exit code) is not final yet: the job is
 * looked up for them (a lookup already asked answers first).
 */
export function observed(job: TrackedJob, seen: SlurmJob): TrackedJob {
  const ended = finalStateOf(seen);
  if (ended !== undefined && seen.partial === true && (job.final === undefined || isLostVerdict(job.final))) {
    return trackedJob(job, seen, job.final, job.missing ?? 'lookup');
  }
  const final = job.final === undefined || isLostVerdict(job.final) ? (ended ?? job.final) : job.final;
  return trackedJob(job, seen, final, undefined);
}

/** The end a job's record shows, if it ended. */
export function finalStateOf(seen: SlurmJob): DeploymentState | undefined {
  const state = stateOfJob(seen);
  return isTerminalStatus(state.status) ? state : undefined;
}

/**
 * The end known of a job whose details are still to come: what the last poll showed, else what the
 * state found at start said. It stands when Slurm has forgotten the job before telling the rest.
 */
export function endKnownOf(job: TrackedJob): DeploymentState | undefined {
  return (job.observed === undefined ? undefined : finalStateOf(job.observed)) ?? job.priorEnd;
}

/** Whether the job may still run: no end of it is known, final or still without its details. */
export function mayStillRun(job: TrackedJob): boolean {
  return job.final === undefined && job.priorEnd === undefined;
}

/**
 * The job with what was seen of it, as one literal of fixed shape (see step-draft.ts storedSlot).
 * Unmatched lookup answers are counted only while they are given on: the job seen drops them.
 */
export function trackedJob(
  job: TrackedJob,
  seen: SlurmJob | undefined,
  final: DeploymentState | undefined,
  missing: TrackedJob['missing'],
  unmatched?: TrackedJob['unmatched'],
): TrackedJob {
  return {
    jobId: job.jobId,
    submitId: job.submitId,
    provableFromPollId: job.provableFromPollId,
    observed: seen,
    final,
    fromPriorState: job.fromPriorState,
    priorEnd: job.priorEnd,
    missing,
    unmatched,
  };
}

/** A poll answered after `pollId` was issued does not show the job. */
export function observedAbsent(job: TrackedJob, pollId: number): TrackedJob {
  // Finished jobs age out of Slurm (MinJobAge): their terminal state stands. A poll issued before
  // the job existed cannot prove it missing.
  if (job.final !== undefined || job.missing !== undefined || pollId < job.provableFromPollId) return job;
  return trackedJob(job, job.observed, job.final, 'lookup', job.unmatched);
}

export function addStray(slot: Slot, jobId: number, why: StrayJob['why'], provableFromPollId: number): Slot {
  if (slot.strays.some((s) => s.jobId === jobId)) return slot;
  return { ...slot, strays: [...slot.strays, newStray(jobId, why, provableFromPollId)].sort((a, b) => a.jobId - b.jobId) };
}

export function updateStray(slot: Slot, jobId: number, update: (s: StrayJob) => StrayJob): Slot {
  if (!slot.strays.some((s) => s.jobId === jobId)) return slot;
  return { ...slot, strays: slot.strays.map((s) => (s.jobId === jobId ? update(s) : s)) };
}

/** The state a deployment shows; `waitingFor` are its jobs still to end before it may submit. */
export function stateOfDeployment(deployment: Deployment, waitingFor: readonly number[]): DeploymentState {
  const duplicates = deployment.duplicates ?? [];
  const state = { ...coreState(deployment, waitingFor), generation: deployment.generation, spec: deployment.desired.specHash };
  return duplicates.length > 0 ? { ...state, duplicate_jobs: duplicates } : state;
}

function coreState(deployment: Deployment, waitingFor: readonly number[]): DeploymentState {
  const phase = deployment.phase;
  switch (phase.kind) {
    case 'invalid':
      return { status: 'FAILED', reason: deployment.desired.invalid ?? 'invalid' };
    case 'rejected':
      return {
        status: 'FAILED',
        ...(phase.job === undefined ? {} : { job_id: phase.job.jobId, slurm_state: phase.job.slurmState }),
        reason: `${REJECTED}${phase.reason}`,
      };
    case 'faulted':
      return { status: 'FAILED', reason: phase.reason };
    case 'blocked':
      return { status: 'FAILED', reason: `${DEPENDENCY_FAILED}${phase.reason}` };
    case 'tracking': {
      const job = phase.job;
      if (job.final !== undefined) return job.final;
      // An end seen (or found at start) without its details yet: the state written of this job
      // stands until the lookup asked with it tells the exit code and reason (or that Slurm forgot
      // the job), so that no reader takes a bare FAILED for the whole story and acts on it (deletes
      // the deployment, say). Ends are sticky: a written end is kept; with none written, the end.
      const ended = endKnownOf(job);
      if (ended !== undefined) return deployment.written?.job_id === job.jobId ? deployment.written : ended;
      if (job.observed !== undefined) return stateOfJob(job.observed);
      return { status: 'PENDING', job_id: job.jobId };
    }
    case 'uncertain':
      // Without a settle time (journals of older versions) an unknown outcome showed as a plain PENDING.
      if (phase.settleAt !== undefined && waitingFor.length === 0) {
        if (phase.resolvedByPollId === undefined) {
          return { status: 'PENDING', reason: `${UNKNOWN_OUTCOME}; Slurm may still create its job: no new submit before ${new Date(phase.settleAt).toISOString()}` };
        }
        return { status: 'PENDING', reason: `${UNKNOWN_OUTCOME}; looking for its job in Slurm` };
      }
      return pendingState(deployment, waitingFor);
    case 'idle':
    case 'submitting':
    case 'waiting':
      return pendingState(deployment, waitingFor);
  }
}

/** A deployment without a job: what it waits for, if anything. */
function pendingState(deployment: Deployment, waitingFor: readonly number[]): DeploymentState {
  if (waitingFor.length > 0) return { status: 'PENDING', reason: `waiting for job ${waitingFor.join(', ')} to end before submitting` };
  if (deployment.phase.kind === 'waiting') return { status: 'PENDING', reason: deployment.phase.reason };
  if (deployment.retry !== undefined) return { status: 'PENDING', reason: `submit failed, will retry: ${deployment.retry.reason}` };
  return { status: 'PENDING' };
}

/** The earliest time after `now` at which something of the slot falls due. */
export function wakeTimeOf(slot: Slot, now: number): number | undefined {
  const d = slot.deployment;
  let wake = soonerAfter(now, d?.retry?.at, d?.writeRetry?.at);
  // An unknown outcome settles: the slot then names the poll that tells.
  const phase = d?.phase;
  if (phase?.kind === 'uncertain' && phase.resolvedByPollId === undefined) wake = soonerAfter(now, wake, phase.settleAt);
  // A dependency that names no deployment is waited for until then.
  if (phase?.kind === 'waiting') wake = soonerAfter(now, wake, phase.failAt);
  // A lookup answered with a job that is not this one is made again once its backoff is over.
  if (phase?.kind === 'tracking' && phase.job.missing === 'lookup' && phase.job.unmatched !== undefined) wake = soonerAfter(now, wake, phase.job.unmatched.at);
  const leftover = slot.leftover?.unknown;
  if (leftover !== undefined && leftover.resolvedByPollId === undefined) wake = soonerAfter(now, wake, leftover.settleAt);
  for (const stray of slot.strays) wake = soonerAfter(now, soonerAfter(now, wake, cancelDueAt(stray)), lookupDueAt(stray));
  if (slot.removal !== undefined && slot.stateLane !== 'deleting') wake = soonerAfter(now, wake, slot.removal.notBefore);
  return wake;
}

/** The lowest poll id after `lastPollId` whose answer can change what the slot decides. */
export function wakePollOf(slot: Slot, lastPollId: number): number | undefined {
  const phase = slot.deployment?.phase;
  let wake = soonerAfter(lastPollId, undefined, slot.leftover?.unknown?.resolvedByPollId);
  if (phase?.kind === 'tracking' && phase.job.final === undefined) {
    // A job no poll has shown yet is looked for in the next one.
    wake = soonerAfter(lastPollId, wake, phase.job.observed === undefined ? lastPollId + 1 : phase.job.provableFromPollId);
  }
  if (phase?.kind === 'uncertain') wake = soonerAfter(lastPollId, wake, phase.resolvedByPollId);
  for (const stray of slot.strays) wake = soonerAfter(lastPollId, soonerAfter(lastPollId, wake, stray.provableFromPollId), confirmPollOf(stray));
  return wake;
}

/**
 * The highest the job-id floor may be while the slot holds what it holds: below the id of any job
 * it has that no state in the Config DB records yet (answered but not written, a stray to cancel),
 * and at most the floor a submit of it not yet answered (or of unknown outcome) was sent above.
 *
 * With a job registry (`registered`: whether the registry holds the job, as stored), a state is no
 * record of a job that still runs: ska-sdp-config deletes it with its deployment, and a term
 * starting after that would find the job neither by it nor above the floor. A registered job is
 * recorded (the next term asks for it by id), and so is an ended one a state names (its
 * deployment, if it is still there, follows it again; if not, nothing of it runs). A job stays
 * registered until then (job-registry.ts), so that a job once recorded stays recorded.
 */
export function floorHoldOf(slot: Slot, registered?: (jobId: number) => boolean): number | undefined {
  let hold: number | undefined;
  const lower = (value: number) => {
    if (hold === undefined || value < hold) hold = value;
  };
  const phase = slot.deployment?.phase;
  if (phase?.kind === 'submitting' || phase?.kind === 'uncertain') lower(phase.floor);
  if (slot.leftover !== undefined) lower(slot.leftover.floor);
  const job = trackedJobOf(slot);
  if (job !== undefined) {
    const byState = isRecorded(slot, job.jobId) && (registered === undefined || job.final !== undefined);
    if (!byState && registered?.(job.jobId) !== true) lower(job.jobId - 1);
  }
  for (const stray of slot.strays) if (registered?.(stray.jobId) !== true) lower(stray.jobId - 1);
  return hold;
}

/** Whether the Config DB holds a state naming the job (written, and no later write in flight). */
export function isRecorded(slot: Slot, jobId: number): boolean {
  return slot.stateLane === 'idle' && slot.deployment?.written?.job_id === jobId;
}

/** The floor above which a discovery would find a job of the slot's submits of unknown outcome. */
export function discoveryFloorOf(slot: Slot): number | undefined {
  const phase = slot.deployment?.phase;
  const own = phase?.kind === 'uncertain' ? phase.floor : undefined;
  const left = slot.leftover?.unknown === undefined ? undefined : slot.leftover.floor;
  if (own === undefined) return left;
  return left === undefined || own < left ? own : left;
}

/** The jobs whose states the slot needs polled: its job until it ended, and its strays. */
export function followedJobsOf(slot: Slot | undefined): number[] {
  if (slot === undefined) return [];
  const job = trackedJobOf(slot);
  const ids = job !== undefined && job.final === undefined ? [job.jobId] : [];
  for (const stray of slot.strays) ids.push(stray.jobId);
  return ids;
}

/** The smaller of two marks that lie after `floor` (a mark at or before it is past: not a wake). */
function soonerAfter(floor: number, a: number | undefined, b: number | undefined): number | undefined {
  const aAfter = a !== undefined && a > floor ? a : undefined;
  if (b === undefined || b <= floor) return aAfter;
  return aAfter === undefined || b < aAfter ? b : aAfter;
}
