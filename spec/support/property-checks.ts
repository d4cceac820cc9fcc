// The reducer's properties, checked as a run goes: each command as it is issued, each job as
// Slurm creates it, each poll once the reducer could decide on it, and the end once it is quiet.

import type { Command } from '../../lib/core/commands.js';
import { AFTER_FIELD_NAMES, AFTER_FIELDS, dependencyIdsOf, type AfterField, type DependencyArgs } from '../../lib/core/dependencies.js';
import { sameState } from '../../lib/core/deployment-state.js';
import { parseJobIdentity, type SlurmJob } from '../../lib/core/slurm-job.js';
import { formatJobState, mapJobState } from '../../lib/core/status.js';
import { removalsOf, straysOf } from '../../lib/core/world.js';
import { LABEL } from './fixtures.js';
import type { Harness, Outstanding } from './property-harness.js';
import { validArgs } from './property-knowledge.js';
import { isActive } from './simulated-slurm.js';
import { describeFate, mayLand, type SubmitRecord } from './submit-ledger.js';

export function claimOf(job: SlurmJob): { deploymentId: string; submitId?: string } {
  return parseJobIdentity(job.comment) ?? { deploymentId: job.name };
}

/** Checks a command as the reducer issues it. */
export function checkIssued(h: Harness, o: Outstanding): void {
  const command = o.command;
  const k = h.knowledge;
  switch (command.type) {
    case 'submitJob': {
      if (o.submit !== undefined) checkExactlyOnce(h, o.submit);
      // Named before it is sent: a crash from now on tells the next term to hold its deployment.
      const named = h.db.watermark?.inFlight?.some((e) => e.deployment === command.id && e.submitId === command.submitId) === true;
      if (h.mode.settings.watermark?.inFlightCap !== undefined && !named) h.violate('exactlyOnce', `submitJob ${command.submitId} for ${command.id} before the stored watermark names it`);
      const pending = k.submitsOutstanding.get(command.id) ?? 0;
      if (pending > 0) h.violate('oneJob', `submitJob for ${command.id} while ${pending} earlier submit(s) of it are unanswered`);
      k.submitsOutstanding.set(command.id, pending + 1);
      const spec = k.believed.get(command.id);
      if (spec === undefined) h.violate('notOurs', `submitJob for ${command.id}, which is not a slurm deployment it knows`);
      else if (!spec.valid) h.violate('notOurs', `submitJob for ${command.id}, whose args are invalid`);
      if (spec?.valid === true) checkOrdered(h, command, spec.argsKey);
      const identity = parseJobIdentity(command.spec.comment);
      if (command.spec.mcsLabel !== LABEL || command.spec.name !== command.id || identity?.deploymentId !== command.id || identity.submitId !== command.submitId) {
        h.violate('notOurs', `submitJob for ${command.id} without our label and identity: ${JSON.stringify(command.spec)}`);
      }
      break;
    }
    case 'cancelJob':
    case 'lookupJob': {
      const job = h.slurm.everHeld(command.jobId);
      if (job === undefined) h.violate('notOurs', `${command.type} of job ${command.jobId}, which never existed`);
      else if (job.mcsLabel !== LABEL) h.violate('notOurs', `${command.type} of foreign job ${command.jobId} (label ${JSON.stringify(job.mcsLabel)})`);
      if (!k.learnt.has(command.jobId)) h.violate('notOurs', `${command.type} of job ${command.jobId}, which no labelled poll entry, submit answer or prior state named`);
      if (command.type !== 'cancelJob') break;
      // Replaced, though the args of its deployment never changed since it was submitted.
      // (A spec that is invalid or was rejected has no job: any job of it goes.)
      const of = h.jobArgs.get(command.jobId);
      const spec = k.believed.get(command.id);
      const runnable = spec !== undefined && spec.valid && !k.isRejected(command.id, spec);
      const unchanged = runnable && of !== undefined && of.argsKey === spec.argsKey && of.epoch === h.epochs.get(command.id)?.epoch;
      if (command.why === 'replaced' && !k.cancelled.has(command.jobId) && unchanged) {
        h.violate('unchanged', `job ${command.jobId} of ${command.id} is replaced, but ${command.id} still has the args it was submitted for: ${of?.argsKey}`);
      }
      k.cancelled.add(command.jobId);
      break;
    }
    case 'writeState': {
      if (!k.believed.has(command.id)) h.violate('notOurs', `writeState for ${command.id}, which is not a slurm deployment it knows`);
      const previous = k.lastWrite.get(command.id);
      if (previous !== undefined && sameState(previous, command.state)) {
        h.violate('converges', `writeState for ${command.id} repeats the state last written, ${JSON.stringify(command.state)}`);
      }
      k.lastWrite.set(command.id, command.state);
      k.lastWritten.set(command.id, command.state);
      break;
    }
    case 'deleteState':
      if (k.believed.has(command.id)) h.violate('notOurs', `deleteState for ${command.id}, a slurm deployment it knows`);
      break;
    case 'pollStates':
      for (const jobId of [...command.jobIds, ...(command.discover?.known ?? [])]) {
        if (!k.learnt.has(jobId)) h.violate('notOurs', `pollStates asks for job ${jobId}, which no labelled poll entry, submit answer or prior state named`);
      }
      break;
    case 'recordJobs':
      for (const { jobId, deployment } of command.add) {
        const job = h.slurm.everHeld(jobId);
        if (job === undefined || job.mcsLabel !== LABEL || !k.learnt.has(jobId)) h.violate('notOurs', `recordJobs registers job ${jobId}, which is not a labelled job it learnt of`);
        else if (claimOf(job).deploymentId !== deployment) h.violate('notOurs', `recordJobs registers job ${jobId} for ${deployment}, but it serves ${claimOf(job).deploymentId}`);
      }
      break;
    case 'pollJobs':
    case 'writeWatermark':
      break;
  }
}

/**
 * ordered: a deployment that names others (after_ok and the like) is submitted only once each of
 * them has a job: its dependency names, per field, labelled jobs of those deployments, and a
 * deployment left out has a job that was seen ended as the field wants; Slurm is told to cancel
 * the job should a dependency never be met, unless the args say not.
 */
function checkOrdered(h: Harness, command: Extract<Command, { type: 'submitJob' }>, argsKey: string): void {
  const args = JSON.parse(argsKey) as DependencyArgs & { readonly kill_on_invalid_dependency?: boolean };
  if (dependencyIdsOf(args).length === 0) return;
  const options = command.spec.options;
  if (options?.kill_on_invalid_dependency !== (args.kill_on_invalid_dependency ?? true)) h.violate('ordered', `submitJob for ${command.id} without kill_on_invalid_dependency`);
  const parts = new Map<string, number[]>();
  for (const part of options?.dependency?.split(',') ?? []) {
    const [type, ...ids] = part.split(':');
    parts.set(type!, [...(parts.get(type!) ?? []), ...ids.map(Number)]);
  }
  for (const field of AFTER_FIELD_NAMES) {
    const named = args[field] ?? [];
    const listed = parts.get(AFTER_FIELDS[field]) ?? [];
    const servesOf = (jobId: number) => {
      const job = h.slurm.everHeld(jobId);
      return job === undefined || job.mcsLabel !== LABEL ? undefined : claimOf(job).deploymentId;
    };
    for (const jobId of listed) {
      if (!named.includes(servesOf(jobId) ?? '')) h.violate('ordered', `submitJob for ${command.id} depends (${field}) on job ${jobId}, which serves ${servesOf(jobId) ?? 'no deployment of ours'}`);
    }
    for (const dep of named) {
      if (listed.some((jobId) => servesOf(jobId) === dep)) continue;
      const ended = [...h.knowledge.seenTerminal].some(([jobId, status]) => servesOf(jobId) === dep && endMeets(field, status));
      if (!ended) h.violate('ordered', `submitJob for ${command.id} before ${dep} (${field}) had a job: its dependency is ${JSON.stringify(options?.dependency)}`);
    }
  }
}

function endMeets(field: AfterField, status: string): boolean {
  if (field === 'after_ok') return status === 'FINISHED';
  if (field === 'after_not_ok') return status !== 'FINISHED';
  return true;
}

/**
 * exactlyOnce: a submit is sent for a version of a deployment's spec only when no earlier submit
 * of that version may still make a job (not yet carried out, or of unknown outcome and within
 * the bounds of LANDINGS) and no job of it (from a submit, or found at the start) is held by Slurm.
 */
function checkExactlyOnce(h: Harness, record: SubmitRecord): void {
  for (const earlier of h.ledger.sameSpec(record)) {
    if (mayLand(earlier)) {
      h.violate('exactlyOnce', `submitJob ${record.submitId} for ${record.id} while its earlier submit ${earlier.submitId} of the same args may still make a job (${describeFate(earlier.fate)})`);
    } else if (earlier.fate.kind === 'made' && h.slurm.has(earlier.fate.jobId)) {
      h.violate('exactlyOnce', `submitJob ${record.submitId} for ${record.id} while job ${earlier.fate.jobId} of the same args is ${formatJobState(h.slurm.get(earlier.fate.jobId)!.state)} in Slurm`);
    }
  }
}

/** exactlyOnce, counted in Slurm as the runs count duplicates (cancelled ones too): a job is created while another of the same args is held. */
export function checkCreatedOnce(h: Harness, record: SubmitRecord, jobId: number): void {
  for (const other of h.ledger.sameSpec(record)) {
    if (other.fate.kind === 'made' && h.slurm.has(other.fate.jobId) && other.fate.jobId !== jobId) {
      h.violate('exactlyOnce', `job ${jobId} of ${record.id} is created while job ${other.fate.jobId} of the same args is ${formatJobState(h.slurm.get(other.fate.jobId)!.state)}`);
    }
  }
}

/**
 * After a poll is answered, the reducer has seen every job of its snapshot: of the active jobs
 * serving one deployment, at most one is left uncancelled. Jobs that may be those of a submit
 * still unanswered (or of unknown outcome, until a complete poll issued once it settled) are not
 * counted: until then, nothing tells which of them is the one to keep.
 */
export function checkOneActiveJob(h: Harness, pollId: number, jobs: readonly SlurmJob[]): void {
  const k = h.knowledge;
  for (const [key, unknown] of k.unresolved) if (unknown.fromPollId !== undefined && pollId >= unknown.fromPollId) k.unresolved.delete(key);
  const pending = new Set([...k.unresolved.keys(), ...h.outstanding.flatMap((o) => (o.command.type === 'submitJob' ? [`${o.command.id}\n${o.command.submitId}`] : []))]);
  const kept = new Map<string, number[]>();
  for (const job of jobs) {
    if (job.mcsLabel !== LABEL || !isActive(job) || k.cancelled.has(job.jobId)) continue;
    const claim = claimOf(job);
    if (claim.submitId !== undefined && pending.has(`${claim.deploymentId}\n${claim.submitId}`)) continue;
    const id = claim.deploymentId;
    kept.set(id, [...(kept.get(id) ?? []), job.jobId]);
  }
  for (const [id, jobIds] of kept) {
    if (jobIds.length > 1) h.violate('oneJob', `after a poll, jobs ${jobIds.join(', ')} of ${id} are all active and none is being cancelled`);
  }
}

/** Once quiet: what the Config DB says of each deployment matches Slurm, and nothing of a deleted one runs. */
export function checkEnd(h: Harness): void {
  const k = h.knowledge;
  for (const id of h.db.ids()) {
    const stored = h.db.get(id)!;
    if (stored.unreadable === undefined && stored.kind !== 'slurm') continue;
    const spec = k.believed.get(id);
    const written = k.lastWritten.get(id);
    if (spec === undefined || written === undefined) {
      h.violate('converges', `${id} exists but ${spec === undefined ? 'is not known' : 'has no state written'}`);
      continue;
    }
    // (An unreadable value is listed without its stored state: see KNOWN ISSUES.)
    if (stored.unreadable === undefined && !sameState(h.db.stateOf(id), written)) {
      h.violate('stored', `the Config DB holds ${JSON.stringify(h.db.stateOf(id))} for ${id}, but the last state written was ${JSON.stringify(written)}`);
    }
    const invalid = stored.unreadable !== undefined || !validArgs(id, stored.args);
    const rejected = k.isRejected(id, spec);
    if (written.job_id === undefined) {
      // Its dependencies could never be met: the reason names one of them, or a cycle.
      const deps = invalid ? [] : dependencyIdsOf(stored.args as DependencyArgs);
      const blocked = written.reason?.startsWith('dependency failed: ') === true && (deps.some((d) => written.reason!.includes(d)) || written.reason.includes('a cycle: '));
      if (written.status !== 'FAILED' || !written.reason || !(invalid || rejected || blocked)) {
        h.violate('converges', `${id} (${invalid ? 'invalid' : 'valid'} args) ends with ${JSON.stringify(written)} and no job`);
      }
      continue;
    }
    if (invalid) h.violate('converges', `${id} has invalid args but its state names job ${written.job_id}`);
    const job = h.slurm.everHeld(written.job_id);
    if (job === undefined || job.mcsLabel !== LABEL) {
      h.violate('converges', `${id} names job ${written.job_id}, which is not one of ours`);
      continue;
    }
    const claim = claimOf(job);
    const jobArgs = h.jobArgs.get(job.jobId)?.argsKey;
    if (claim.deploymentId !== id || (jobArgs !== undefined && jobArgs !== spec.argsKey)) {
      h.violate('converges', `${id} (args ${spec.argsKey}) names job ${job.jobId}, which serves ${claim.deploymentId} with args ${jobArgs}`);
    }
    if (h.slurm.has(job.jobId)) {
      const status = mapJobState(job.state).status;
      if (written.status !== status || written.slurm_state !== formatJobState(job.state)) {
        h.violate('converges', `${id} ends ${JSON.stringify(written)} while its job ${job.jobId} is ${formatJobState(job.state)} (${status})`);
      }
    } else {
      const seen = k.seenTerminal.get(job.jobId);
      const ok = seen !== undefined ? written.status === seen : written.status === 'FAILED' && /^job lost/.test(written.reason ?? '');
      if (!ok) h.violate('converges', `${id} ends ${JSON.stringify(written)}; its job ${job.jobId} is gone, last seen ended as ${seen ?? '(never)'}`);
    }
  }
  for (const job of h.slurm.list()) {
    if (job.mcsLabel !== LABEL || !isActive(job) || h.hiddenJobs.has(job.jobId)) continue;
    const id = claimOf(job).deploymentId;
    const stored = h.db.get(id);
    if (stored === undefined || (stored.unreadable === undefined && stored.kind !== 'slurm')) {
      h.violate('converges', `job ${job.jobId} of removed deployment ${id} is still ${formatJobState(job.state)}`);
    } else if (k.lastWritten.get(id)?.job_id !== job.jobId) {
      h.violate('converges', `job ${job.jobId} of ${id} is still ${formatJobState(job.state)} but ${id}'s state names ${k.lastWritten.get(id)?.job_id}`);
    }
  }
  if (h.statePolls) checkRegistryEnd(h);
  const strays = [...straysOf(h.world)];
  if (strays.length > 0) h.violate('converges', `strays left: ${JSON.stringify(strays)}`);
  const removals = [...removalsOf(h.world)];
  if (removals.length > 0) h.violate('converges', `state removals left: ${JSON.stringify(removals)}`);
}

/** Once quiet, with state polls: the job registry holds exactly the labelled jobs still active (each followed by its deployment). */
function checkRegistryEnd(h: Harness): void {
  const active = new Set(h.slurm.list().filter((job) => job.mcsLabel === LABEL && isActive(job)).map((job) => job.jobId));
  for (const jobId of h.db.registry.keys()) {
    if (!active.has(jobId)) h.violate('converges', `the job registry still holds job ${jobId}, which ${h.slurm.has(jobId) ? 'ended' : 'Slurm no longer knows'}`);
  }
  for (const jobId of active) if (!h.db.registry.has(jobId)) h.violate('converges', `job ${jobId} is active but not in the job registry`);
}
