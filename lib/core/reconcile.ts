// Decisions, derived from the world as a whole after each event: adopt jobs found in Slurm,
// submit what has no job, cancel what nobody claims, look up jobs a poll no longer shows,
// write states that changed, poll on time.

import type { CancelReason, Command } from './commands.js';
import { sameState, type DeploymentState } from './deployment-state.js';
import { buildJobSpec } from './job-builder.js';
import { isActiveJob, stateOfJob } from './job-observation.js';
import { parseJobIdentity, type SlurmJob } from './slurm-job.js';
import { addStray } from './stray-jobs.js';
import { isReady, type DeploymentRecord, type Desired, type ReducerSettings, type StateRemoval, type StrayJob, type TrackedJob, type World } from './world.js';

export interface Decision {
  readonly world: World;
  readonly commands: readonly Command[];
}

export function reconcile(settings: ReducerSettings, world: World): Decision {
  const commands: Command[] = [];
  let next = world;
  if (isReady(next)) {
    next = checkPriorJobs(next);
    next = adoptJobs(next);
    next = collectStrays(next);
    next = decideDeployments(settings, next, commands);
    next = cancelStrays(next, commands);
    next = removeStates(next, commands);
  }
  next = schedulePoll(settings, next, commands);
  return { world: next, commands };
}

/** The deployment a labelled job serves: its recorded identity, else (older jobs) its name. */
function claimOf(job: SlurmJob): Claim {
  return parseJobIdentity(job.comment) ?? { deploymentId: job.name };
}

interface Claim {
  readonly deploymentId: string;
  readonly submitId?: string;
  readonly specHash?: string;
}

/** Whether a job with this identity runs the desired spec: by its args where it says, else by the submit. */
function servesSpec(claim: Claim, desired: Desired): boolean {
  return claim.specHash !== undefined ? claim.specHash === desired.specHash : claim.submitId === desired.submitId;
}

/**
 * A job named by the state found at start may run an older spec (the args changed, then the
 * deployer stopped before it wrote the new state): once a poll shows the job, its identity
 * tells; a job of another spec is cancelled and the current spec submitted.
 */
function checkPriorJobs(world: World): World {
  let next = world;
  for (const record of Object.values(world.deployments)) {
    const job = record.job;
    if (job?.fromPriorState !== true || job.observed === undefined) continue;
    const claim = claimOf(job.observed);
    const verified: TrackedJob = { ...job, fromPriorState: undefined };
    if (claim.submitId === undefined || servesSpec(claim, record.desired)) {
      next = { ...next, deployments: { ...next.deployments, [record.id]: { ...record, job: verified } } };
      continue;
    }
    next = { ...next, deployments: { ...next.deployments, [record.id]: { ...record, job: undefined } } };
    if (job.final === undefined) next = addStray(next, job.jobId, record.id, 'replaced', job.provableFromPollId);
  }
  return next;
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
    // A spec that is invalid or was rejected has no job: one found is cancelled, never followed.
    const candidates = mayHaveJob(record) ? poll.jobs.filter((j) => !claimed.has(j.jobId) && claimOf(j).deploymentId === record.id) : [];
    const chosen = chooseJob(candidates, record.desired);
    let updated: DeploymentRecord = uncertain === undefined ? record : { ...record, uncertain: undefined };
    if (chosen !== undefined) {
      claimed.add(chosen.jobId);
      const submitId = claimOf(chosen).submitId;
      const final = isActiveJob(chosen) ? {} : { final: stateOfJob(chosen) };
      updated = { ...updated, job: { jobId: chosen.jobId, ...(submitId ? { submitId } : {}), provableFromPollId: poll.pollId, observed: chosen, ...final } };
    }
    if (updated !== record) {
      deployments ??= { ...world.deployments };
      deployments[record.id] = updated;
    }
  }
  return deployments === undefined ? world : { ...world, deployments };
}

function mayHaveJob(record: DeploymentRecord): boolean {
  return record.desired.invalid === undefined && record.rejected === undefined;
}

/**
 * A job of the current spec, else one without a recorded identity (submitted by an older
 * deployer); of these the oldest active one, else the latest finished one. A job of an older
 * spec is not adopted: it is cancelled and the current spec submitted.
 */
function chooseJob(candidates: readonly SlurmJob[], desired: Desired): SlurmJob | undefined {
  const pick = (jobs: readonly SlurmJob[]) => jobs.filter(isActiveJob).sort(byJobId)[0] ?? [...jobs].sort(byJobId).at(-1);
  return pick(candidates.filter((j) => servesSpec(claimOf(j), desired))) ?? pick(candidates.filter((j) => claimOf(j).submitId === undefined));
}

function byJobId(a: SlurmJob, b: SlurmJob): number {
  return a.jobId - b.jobId;
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

/** Why a labelled, active job that no deployment claims must go. */
function strayReason(world: World, claim: Claim): CancelReason {
  const record = world.deployments[claim.deploymentId];
  if (record === undefined) return 'deployment removed';
  if (!mayHaveJob(record)) return 'replaced';
  return claim.submitId === undefined || servesSpec(claim, record.desired) ? 'duplicate' : 'replaced';
}

function collectStrays(world: World): World {
  const poll = world.lastPoll;
  if (poll === undefined) return world;
  const claimed = claimedJobIds(world);
  const pending = pendingSubmits(world);
  const strays: Record<string, StrayJob> = {};
  let next = world;
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
    const why = strayReason(world, claim);
    strays[job.jobId] = { jobId: job.jobId, deploymentId: claim.deploymentId, why, cancelling: false, attempt: 0, notBefore: 0, provableFromPollId: poll.pollId };
    if (why === 'duplicate') next = noteDuplicate(next, claim.deploymentId, job.jobId);
    changed = true;
  }
  return changed ? { ...next, strays } : next;
}

function noteDuplicate(world: World, id: string, jobId: number): World {
  const record = world.deployments[id];
  if (record === undefined || record.duplicates?.includes(jobId)) return world;
  const duplicates = [...(record.duplicates ?? []), jobId].sort((a, b) => a - b);
  return { ...world, deployments: { ...world.deployments, [id]: { ...record, duplicates } } };
}

function decideDeployments(settings: ReducerSettings, world: World, commands: Command[]): World {
  const waitingFor = new Map<string, number[]>();
  for (const stray of Object.values(world.strays)) {
    waitingFor.set(stray.deploymentId, [...(waitingFor.get(stray.deploymentId) ?? []), stray.jobId]);
  }
  let deployments: Record<string, DeploymentRecord> | undefined;
  let writing = world.writing;
  for (const record of Object.values(world.deployments)) {
    const before = commands.length;
    const updated = decideDeployment(settings, world.now, record, waitingFor.get(record.id) ?? [], writing?.[record.id] !== undefined, commands);
    if (commands.slice(before).some((c) => c.type === 'writeState')) writing = { ...writing, [record.id]: true };
    if (updated !== record) {
      deployments ??= { ...world.deployments };
      deployments[record.id] = updated;
    }
  }
  const next = writing === world.writing ? world : { ...world, writing };
  return deployments === undefined ? next : { ...next, deployments };
}

function decideDeployment(
  settings: ReducerSettings,
  now: number,
  record: DeploymentRecord,
  waitingFor: readonly number[],
  writing: boolean,
  commands: Command[],
): DeploymentRecord {
  let next = record;
  const { desired, job } = record;
  const canSubmit =
    desired.invalid === undefined &&
    record.rejected === undefined &&
    job === undefined &&
    record.submitting === undefined &&
    record.uncertain === undefined &&
    // Cancel, then submit: never two jobs of one deployment at once.
    waitingFor.length === 0 &&
    (record.retry === undefined || now >= record.retry.at);
  if (canSubmit && desired.args !== undefined) {
    const spec = buildJobSpec(record.id, desired.submitId, desired.args, settings.job, desired.specHash);
    commands.push({ type: 'submitJob', id: record.id, submitId: desired.submitId, spec });
    next = { ...next, submitting: { submitId: desired.submitId } };
  }
  if (job?.missing === 'lookup') {
    commands.push({ type: 'lookupJob', id: record.id, jobId: job.jobId });
    next = { ...next, job: { ...job, missing: 'looking' } };
  }
  const state = stateOfRecord(next, waitingFor);
  // One write in flight per deployment, so that writes land in the order they were decided.
  const writeDue = !writing && (next.writeRetry === undefined || now >= next.writeRetry.at);
  if (!sameState(state, next.written) && writeDue) {
    commands.push({ type: 'writeState', id: record.id, state });
    next = { ...next, written: state };
  }
  return next;
}

export function stateOfRecord(record: DeploymentRecord, waitingFor: readonly number[] = []): DeploymentState {
  const extra = {
    generation: record.generation,
    spec: record.desired.specHash,
    ...(record.duplicates !== undefined && record.duplicates.length > 0 ? { duplicate_jobs: record.duplicates } : {}),
  };
  return { ...coreState(record, waitingFor), ...extra };
}

function coreState(record: DeploymentRecord, waitingFor: readonly number[]): DeploymentState {
  const job = record.job;
  if (record.desired.invalid !== undefined) return { status: 'FAILED', reason: record.desired.invalid };
  if (record.rejected !== undefined) return { status: 'FAILED', reason: `Slurm rejected the job: ${record.rejected}` };
  if (job?.final !== undefined) return job.final;
  if (job?.observed !== undefined) return stateOfJob(job.observed);
  if (job !== undefined) return { status: 'PENDING', job_id: job.jobId };
  if (waitingFor.length > 0) return { status: 'PENDING', reason: `waiting for job ${waitingFor.join(', ')} to end before submitting` };
  if (record.retry !== undefined) return { status: 'PENDING', reason: `submit failed, will retry: ${record.retry.reason}` };
  return { status: 'PENDING' };
}

function cancelStrays(world: World, commands: Command[]): World {
  let strays: Record<string, StrayJob> | undefined;
  for (const stray of Object.values(world.strays)) {
    if (stray.cancelling || world.now < stray.notBefore) continue;
    if (stray.confirmByPollId !== undefined && (world.lastPoll?.pollId ?? 0) < stray.confirmByPollId) continue;
    commands.push({ type: 'cancelJob', id: stray.deploymentId, jobId: stray.jobId, why: stray.why });
    strays ??= { ...world.strays };
    strays[stray.jobId] = { ...stray, cancelling: true };
  }
  return strays === undefined ? world : { ...world, strays };
}

/** The state of a deleted deployment goes once its job has ended (no stray of it remains). */
function removeStates(world: World, commands: Command[]): World {
  let removals: Record<string, StateRemoval> | undefined;
  let writing = world.writing;
  const busy = new Set(Object.values(world.strays).map((s) => s.deploymentId));
  for (const removal of Object.values(world.removals)) {
    if (removal.deleting || busy.has(removal.id) || world.now < removal.notBefore) continue;
    // A submit of the removed deployment not yet answered, or of unknown outcome not yet told by
    // a poll, may still show a job: wait, so that its state goes after that job.
    if (world.orphanSubmits?.[removal.id] !== undefined || world.orphanUncertain?.[removal.id] !== undefined) continue;
    // A write still in flight would land after the removal and leave the state behind.
    if (writing?.[removal.id] !== undefined) continue;
    commands.push({ type: 'deleteState', id: removal.id });
    removals ??= { ...world.removals };
    removals[removal.id] = { ...removal, deleting: true };
    writing = { ...writing, [removal.id]: true };
  }
  return removals === undefined ? world : { ...world, removals, writing };
}

function schedulePoll(settings: ReducerSettings, world: World, commands: Command[]): World {
  // Until the first tick the time is unknown, and so is when to poll.
  if (!world.clockStarted || world.pollInFlight !== undefined) return world;
  if (world.lastPollAt !== undefined && world.now - world.lastPollAt < settings.pollIntervalMs) return world;
  const pollId = world.nextPollId;
  commands.push({ type: 'pollJobs', pollId });
  return { ...world, pollInFlight: pollId, nextPollId: pollId + 1, lastPollAt: world.now };
}
