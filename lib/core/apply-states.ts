// A state poll applied (`statesPolled`): the states of the jobs the deployer follows, by id,
// merged into what it knows of them, and the labelled jobs a discovery found above the job-id
// floor, whole. A job asked for and absent is unknown to Slurm. A state poll that discovered is
// complete, as a full list is: every labelled job that could matter is in the world after it.

import { forgetPolled, pollApplied, pollMayTell, putPolled } from './apply-poll.js';
import { registeredRecordOf } from './registry-sync.js';
import { isActiveJob } from './job-observation.js';
import { claimOf, servesSpec } from './job-claim.js';
import { finalStateOf, trackedJobOf } from './slot.js';
import type { DeployerEvent } from './events.js';
import type { JobStateReport, SlurmJob } from './slurm-job.js';
import { mapJobState, type JobState } from './status.js';
import type { StepDraft } from './step-draft.js';
import { sawJobId } from './watermark.js';
import type { ReducerSettings } from './settings.js';

type StatesPolled = Extract<DeployerEvent, { type: 'statesPolled' }>;

export function applyStates(settings: ReducerSettings, draft: StepDraft, event: StatesPolled): void {
  const s = draft.scalars;
  const scope = s.pollInFlight === event.pollId ? s.pollScope : undefined;
  if (s.pollInFlight === event.pollId) Object.assign(s, { pollInFlight: undefined, pollScope: undefined });
  if (s.lastPollId !== undefined && event.pollId <= s.lastPollId) return;
  const reports = new Map<number, JobStateReport>();
  for (const report of event.states) reports.set(report.jobId, report);
  const changed: number[] = [];
  // Without the scope (an answer to no poll in flight) only what was reported is known.
  for (const jobId of scope?.jobIds ?? reports.keys()) {
    const report = reports.get(jobId);
    if (!pollMayTell(draft, jobId, event.pollId, report?.state)) continue;
    const before = draft.polledJob(jobId);
    if (report === undefined) {
      if (before !== undefined) forgetPolled(draft, before);
      changed.push(jobId);
      continue;
    }
    if (before !== undefined && sameState(before.state, report.state)) {
      // An end still without its details (their lookup failed) is asked about again.
      if (before.partial === true && finalStateOf(before) !== undefined) changed.push(jobId);
      continue;
    }
    const { owner, comment } = registeredRecordOf(draft, jobId);
    putPolled(draft, mergedJob(before, report, owner, comment, settings.job.label), before);
    changed.push(jobId);
  }
  for (const job of event.discovered ?? []) {
    // Never trust the source alone: a job without our label is not ours to see.
    if (job.mcsLabel !== settings.job.label) continue;
    sawJobId(draft, job.jobId);
    if (!pollMayTell(draft, job.jobId, event.pollId, job.state)) continue;
    putPolled(draft, job, draft.polledJob(job.jobId));
    changed.push(job.jobId);
  }
  if (scope !== undefined && scope.discoverAbove === undefined && s.listed) forgetEndedUnasked(draft, reports);
  for (const jobId of reports.keys()) sawJobId(draft, jobId);
  if (event.maxJobId !== undefined) sawJobId(draft, event.maxJobId);
  Object.assign(s, { lastPollJobs: undefined, lastPollId: event.pollId });
  if (scope?.discoverAbove !== undefined) s.lastCompletePollId = event.pollId;
  pollApplied(draft, changed, event.pollId);
}

/**
 * The records of ended jobs this poll did not ask about and no deployment can still want: nothing
 * follows them any more (a followed job is asked about until its end is final), so nothing will
 * tell more of them, and kept they would pile up for as long as the term lasts (a full list
 * forgets them as Slurm does). Not after a poll that discovered: its `known` ids (poll-schedule.ts)
 * were left out of its answer because the world held them, and slots read them in this very step.
 */
function forgetEndedUnasked(draft: StepDraft, reports: ReadonlyMap<number, JobStateReport>): void {
  const stale: SlurmJob[] = [];
  for (const [jobId, job] of draft.read('polled').entries()) if (!reports.has(jobId) && !isActiveJob(job) && noneWants(draft, job)) stale.push(job);
  for (const job of stale) forgetPolled(draft, job);
}

/**
 * Whether no deployment can still want the ended job's record: its deployment is gone, took its
 * end for final, or wants other args and has no submit of these outstanding. A deployment that
 * has not decided yet (its decisions held until the watermark is written, say) may adopt it: an
 * ended job of its very args is never submitted again.
 */
function noneWants(draft: StepDraft, job: SlurmJob): boolean {
  const claim = claimOf(job);
  const slot = draft.slot(claim.deploymentId);
  if (slot === undefined) return true;
  const tracked = trackedJobOf(slot);
  if (tracked?.jobId === job.jobId) return tracked.final !== undefined;
  if (claim.submitId === undefined || slot.leftover?.submitId === claim.submitId) return false;
  const desired = slot.deployment?.desired;
  return desired === undefined || !servesSpec(claim, desired);
}

/** Whether two states are the same base state with the same flags. */
function sameState(a: JobState, b: JobState): boolean {
  return a.base === b.base && a.flags.join('+') === b.flags.join('+');
}

const COMPLETED_EXIT = { status: 0, signal: 0 } as const;

/**
 * What is known of a job after a state report: the record known before with the new state (a
 * new state's reason is not known), or, for a job not seen yet, its id, state and the deployment
 * that follows it (a deployer's job is named after its deployment), or that the job registry
 * names, with the identity the registry holds (''; none). COMPLETED means exit code 0 (Slurm
 * says FAILED otherwise): such a record is whole; any other is partial.
 */
function mergedJob(before: SlurmJob | undefined, report: JobStateReport, owner: string, comment: string, label: string): SlurmJob {
  const completed = report.state.base === 'COMPLETED' && mapJobState(report.state).known;
  const base = before ?? { jobId: report.jobId, name: owner, mcsLabel: label, comment, reason: '', state: report.state };
  return {
    jobId: base.jobId,
    name: base.name,
    mcsLabel: base.mcsLabel,
    comment: base.comment,
    state: report.state,
    reason: '',
    exitCode: completed ? COMPLETED_EXIT : undefined,
    submitTime: base.submitTime,
    startTime: base.startTime,
    endTime: base.endTime,
    partial: !completed,
  };
}
