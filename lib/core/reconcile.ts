// Decisions, derived from the world as a whole after each event: adopt jobs found in Slurm,
// submit what has no job, cancel what nobody claims, write states that changed, poll on time.

import type { Command } from './commands.js';
import { sameState, type DeploymentState } from './deployment-state.js';
import { buildJobSpec } from './job-builder.js';
import { isActiveJob, stateOfJob } from './job-observation.js';
import { parseJobIdentity, type SlurmJob } from './slurm-job.js';
import { isReady, type DeploymentRecord, type ReducerSettings, type StrayJob, type World } from './world.js';

export interface Decision {
  readonly world: World;
  readonly commands: readonly Command[];
}

export function reconcile(settings: ReducerSettings, world: World): Decision {
  const commands: Command[] = [];
  let next = world;
  if (isReady(next)) {
    next = adoptJobs(next);
    next = collectStrays(next);
    next = decideDeployments(settings, next, commands);
    next = cancelStrays(next, commands);
  }
  next = schedulePoll(settings, next, commands);
  return { world: next, commands };
}

/** The deployment a labelled job serves: its recorded identity, else (older jobs) its name. */
function claimOf(job: SlurmJob): { deploymentId: string; submitId?: string } {
  return parseJobIdentity(job.comment) ?? { deploymentId: job.name };
}

function adoptJobs(world: World): World {
  const poll = world.lastPoll;
  if (poll === undefined) return world;
  const claimed = claimedJobIds(world);
  let deployments: Record<string, DeploymentRecord> | undefined;
  for (const record of Object.values(world.deployments)) {
    if (record.job !== undefined || record.submitting !== undefined) continue;
    const uncertain = record.uncertain;
    if (uncertain !== undefined && poll.pollId < uncertain.resolvedByPollId) continue;
    const candidates = poll.jobs.filter((j) => !claimed.has(j.jobId) && claimOf(j).deploymentId === record.id);
    const chosen = chooseJob(candidates, record.desired.submitId);
    let updated: DeploymentRecord = uncertain === undefined ? record : { ...record, uncertain: undefined };
    if (chosen !== undefined) {
      claimed.add(chosen.jobId);
      const submitId = claimOf(chosen).submitId;
      updated = { ...updated, job: { jobId: chosen.jobId, ...(submitId ? { submitId } : {}), provableFromPollId: poll.pollId, observed: chosen, ...finalOf(chosen) } };
    }
    if (updated !== record) {
      deployments ??= { ...world.deployments };
      deployments[record.id] = updated;
    }
  }
  return deployments === undefined ? world : { ...world, deployments };
}

/**
 * Prefer the job of the current spec; else the oldest active one (the others become strays);
 * a finished job of an older spec is not adopted, so that a changed deployment runs again.
 */
function chooseJob(candidates: readonly SlurmJob[], submitId: string): SlurmJob | undefined {
  const current = candidates.filter((j) => claimOf(j).submitId === submitId).sort(byJobId)[0];
  if (current !== undefined) return current;
  const active = candidates.filter(isActiveJob).sort(byJobId)[0];
  if (active !== undefined) return active;
  return candidates.filter((j) => claimOf(j).submitId === undefined).sort(byJobId).at(-1);
}

function byJobId(a: SlurmJob, b: SlurmJob): number {
  return a.jobId - b.jobId;
}

function finalOf(job: SlurmJob): { final?: DeploymentState } {
  return isActiveJob(job) ? {} : { final: stateOfJob(job) };
}

function claimedJobIds(world: World): Set<number> {
  const ids = new Set<number>();
  for (const r of Object.values(world.deployments)) if (r.job !== undefined) ids.add(r.job.jobId);
  return ids;
}

/** Submits still in flight (or of unknown outcome) may already show in a poll: they are not strays. */
function pendingSubmits(world: World): Set<string> {
  const keys = new Set<string>();
  for (const r of Object.values(world.deployments)) {
    const submitId = r.submitting?.submitId ?? r.uncertain?.submitId;
    if (submitId !== undefined) keys.add(`${r.id}\n${submitId}`);
  }
  return keys;
}

function collectStrays(world: World): World {
  const poll = world.lastPoll;
  if (poll === undefined) return world;
  const claimed = claimedJobIds(world);
  const pending = pendingSubmits(world);
  const strays: Record<string, StrayJob> = {};
  let changed = false;
  for (const stray of Object.values(world.strays)) {
    const seen = poll.jobs.find((j) => j.jobId === stray.jobId);
    const gone = poll.pollId >= stray.provableFromPollId && (seen === undefined || !isActiveJob(seen));
    if (gone || claimed.has(stray.jobId)) changed = true;
    else strays[stray.jobId] = stray;
  }
  for (const job of poll.jobs) {
    if (claimed.has(job.jobId) || strays[job.jobId] !== undefined || !isActiveJob(job)) continue;
    const claim = claimOf(job);
    if (claim.submitId !== undefined && pending.has(`${claim.deploymentId}\n${claim.submitId}`)) continue;
    strays[job.jobId] = { jobId: job.jobId, deploymentId: claim.deploymentId, cancelling: false, attempt: 0, notBefore: 0, provableFromPollId: poll.pollId };
    changed = true;
  }
  return changed ? { ...world, strays } : world;
}

function decideDeployments(settings: ReducerSettings, world: World, commands: Command[]): World {
  let deployments: Record<string, DeploymentRecord> | undefined;
  for (const record of Object.values(world.deployments)) {
    const updated = decideDeployment(settings, world.now, record, commands);
    if (updated !== record) {
      deployments ??= { ...world.deployments };
      deployments[record.id] = updated;
    }
  }
  return deployments === undefined ? world : { ...world, deployments };
}

function decideDeployment(settings: ReducerSettings, now: number, record: DeploymentRecord, commands: Command[]): DeploymentRecord {
  let next = record;
  const { desired } = record;
  const canSubmit =
    desired.args !== undefined &&
    desired.invalid === undefined &&
    record.rejected === undefined &&
    record.job === undefined &&
    record.submitting === undefined &&
    record.uncertain === undefined &&
    (record.retry === undefined || now >= record.retry.at);
  if (canSubmit && desired.args !== undefined) {
    const spec = buildJobSpec(record.id, desired.submitId, desired.args, settings.job);
    commands.push({ type: 'submitJob', id: record.id, submitId: desired.submitId, spec });
    next = { ...next, submitting: { submitId: desired.submitId } };
  }
  const state = stateOfRecord(next);
  const writeDue = next.writeRetry === undefined || now >= next.writeRetry.at;
  if (!sameState(state, next.written) && writeDue) {
    commands.push({ type: 'writeState', id: record.id, state });
    next = { ...next, written: state };
  }
  return next;
}

export function stateOfRecord(record: DeploymentRecord): DeploymentState {
  if (record.desired.invalid !== undefined && record.job === undefined) return { status: 'FAILED', reason: record.desired.invalid };
  if (record.rejected !== undefined) return { status: 'FAILED', reason: `Slurm rejected the job: ${record.rejected}` };
  const job = record.job;
  if (job?.final !== undefined) return job.final;
  if (job?.observed !== undefined) return stateOfJob(job.observed);
  if (job !== undefined) return { status: 'PENDING', job_id: job.jobId };
  if (record.retry !== undefined) return { status: 'PENDING', reason: `submit failed, will retry: ${record.retry.reason}` };
  return { status: 'PENDING' };
}

function cancelStrays(world: World, commands: Command[]): World {
  let strays: Record<string, StrayJob> | undefined;
  for (const stray of Object.values(world.strays)) {
    if (stray.cancelling || world.now < stray.notBefore) continue;
    if (stray.confirmByPollId !== undefined && (world.lastPoll?.pollId ?? 0) < stray.confirmByPollId) continue;
    commands.push({ type: 'cancelJob', id: stray.deploymentId, jobId: stray.jobId });
    strays ??= { ...world.strays };
    strays[stray.jobId] = { ...stray, cancelling: true };
  }
  return strays === undefined ? world : { ...world, strays };
}

function schedulePoll(settings: ReducerSettings, world: World, commands: Command[]): World {
  // Until the first tick the time is unknown, and so is when to poll.
  if (!world.clockStarted || world.pollInFlight !== undefined) return world;
  if (world.lastPollAt !== undefined && world.now - world.lastPollAt < settings.pollIntervalMs) return world;
  const pollId = world.nextPollId;
  commands.push({ type: 'pollJobs', pollId });
  return { ...world, pollInFlight: pollId, nextPollId: pollId + 1, lastPollAt: world.now };
}
