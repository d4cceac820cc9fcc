// What of each step is worth a log line: the facts learned and the commands issued (each
// command's line is in streams/loop/command-table.ts). A state changed, and a job found by lookup,
// say where Slurm's word came from: slurmctld or accounting (slurmdbd).

import type { Command } from '../../lib/core/commands.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import { mismatchOf } from '../../lib/core/lookup-match.js';
import { trackedJobOf } from '../../lib/core/slot.js';
import { stateSourceOf } from '../../lib/core/state-source.js';
import { formatJobState } from '../../lib/core/status.js';
import type { ReducerSettings, World } from '../../lib/core/world.js';
import { traitsOf } from '../loop/command-table.js';
import type { DeployerOutput } from '../loop/deployer.js';
import type { Logger } from './log.js';

/** What of the reducer's settings the lines need: the label lookups are matched by, and where they look. */
export type LogSettings = Pick<ReducerSettings, 'job' | 'accounting'>;

export function logOutput(log: Logger, output: DeployerOutput, settings?: LogSettings): void {
  switch (output.type) {
    case 'fault':
      log.error('reducer failed on an event; event skipped', { event: output.event.type, error: String(output.error) });
      return;
    case 'sourceFailed':
      log.error('an event source failed', { error: String(output.error) });
      return;
    case 'step':
      logEvent(log, output.event, output.world, settings);
      for (const command of output.commands) logCommand(log, command, output.world);
  }
}

/** Why a new term waits before its first poll: without a word, it looks stuck for that long. */
function logTakeover(log: Logger, world: World): void {
  if (world.hold === undefined || world.lastCompletePollId !== undefined) return;
  log.info('first Slurm poll held: the last leader did not stop cleanly, and its submits may still land', {
    hold_seconds: Math.round(world.hold.ms / 1000),
    setting: 'SDP_SLURMDEPLOY_TAKEOVER_HOLD',
  });
}

function logEvent(log: Logger, event: DeployerEvent, world: World, settings: LogSettings | undefined): void {
  switch (event.type) {
    case 'tick':
      return;
    case 'configListed':
      log.info('Config DB listed', { deployments: event.deployments.length, invalid: event.invalid.length, orphan_states: event.orphanStates?.length ?? 0 });
      logTakeover(log, world);
      return;
    case 'deploymentPut':
      log.info('deployment put', { deployment: event.deployment.id, kind: event.deployment.kind, revision: event.deployment.revision });
      return;
    case 'deploymentInvalid':
      log.warning('deployment unreadable', { deployment: event.invalid.id, reason: event.invalid.reason });
      return;
    case 'deploymentDeleted':
      log.info('deployment deleted', { deployment: event.id });
      return;
    case 'jobsPolled':
      log.debug('Slurm polled', { poll: event.pollId, jobs: event.jobs.length });
      return;
    case 'pollFailed':
      // Each at DEBUG: the deployer says an outage once, then with backoff (streams/ops/slurm-outage.ts).
      log.debug('Slurm poll failed', { poll: event.pollId, kind: event.failure.kind, error: event.failure.message });
      return;
    case 'jobSubmitted':
      log.info('job submitted', { deployment: event.id, job: event.jobId, submit: event.submitId });
      return;
    case 'submitFailed':
      log.warning('submit failed', { deployment: event.id, submit: event.submitId, kind: event.failure.kind, error: event.failure.message });
      return;
    case 'jobLookedUp':
      return logLookup(log, event, world, settings);
    case 'lookupFailed':
      log.warning('job lookup failed', { deployment: event.id, job: event.jobId, kind: event.failure.kind, error: event.failure.message });
      return;
    case 'jobCancelled':
      log.info('job cancelled', { deployment: event.id, job: event.jobId });
      return;
    case 'cancelFailed':
      log.warning('cancel failed', { deployment: event.id, job: event.jobId, kind: event.failure.kind, error: event.failure.message });
      return;
    case 'stateWritten':
      log.debug('state written', { deployment: event.id, status: event.state.status });
      return;
    case 'stateDeleted':
      log.debug('state removed', { deployment: event.id });
      return;
    case 'stateDeleteFailed':
      log.warning('state removal failed', { deployment: event.id, kind: event.failure.kind, error: event.failure.message });
      return;
    case 'stateWriteFailed':
      log.warning('state write failed', { deployment: event.id, kind: event.failure.kind, error: event.failure.message });
  }
}

function logCommand(log: Logger, command: Command, world: World): void {
  // A cancelled job is looked up until it ended: expected, and said at DEBUG.
  if (command.type === 'lookupJob' && isStrayOf(world, command.id, command.jobId)) {
    log.debug('looking up a cancelled job to see it ended', { deployment: command.id, job: command.jobId });
    return;
  }
  const line = traitsOf(command.type).logLine(command);
  const source = command.type === 'writeState' ? stateSourceOf(world.slots.get(command.id), command.state) : undefined;
  log[line.level](line.message, source === undefined ? line.fields : { ...line.fields, source });
}

function logLookup(log: Logger, event: Extract<DeployerEvent, { type: 'jobLookedUp' }>, world: World, settings: LogSettings | undefined): void {
  const job = event.job;
  const fields = { deployment: event.id, job: event.jobId };
  const slot = world.slots.get(event.id);
  // Not the job the deployment follows: one it cancelled (replaced, deleted, a duplicate), looked
  // up until it ended. The state change that matters is logged on its own.
  const followed = trackedJobOf(slot);
  const cancelled = followed?.jobId !== event.jobId && (slot?.deployment === undefined || followed !== undefined || isStrayOf(world, event.id, event.jobId));
  if (cancelled) {
    log.debug(job === undefined ? 'cancelled job no longer known to Slurm' : 'cancelled job looked up', { ...fields, ...(job === undefined ? {} : { slurm_state: formatJobState(job.state) }) });
    return;
  }
  if (job === undefined) {
    const lookedIn = settings?.accounting === undefined ? {} : { looked_in: settings.accounting ? 'slurmctld and accounting' : 'slurmctld' };
    log.info('job lost: Slurm no longer knows it', { ...fields, ...lookedIn });
    return;
  }
  const seen = { ...fields, source: job.source ?? 'slurmctld', slurm_state: formatJobState(job.state) };
  const mismatch = settings === undefined ? undefined : mismatchOf(settings.job.label, slot, event.jobId, job);
  if (mismatch === undefined) {
    log.info('job found by lookup', seen);
    return;
  }
  const tracked = trackedJobOf(slot);
  const answers = tracked?.jobId === event.jobId ? tracked.unmatched?.answers : undefined;
  log.warning('job lookup answered with a job that is not this one', { ...seen, seen: mismatch, ...(answers === undefined ? {} : { answers }) });
}

/** The job is one the deployment's slot holds to cancel, or is waiting to see ended. */
function isStrayOf(world: World, id: string, jobId: number): boolean {
  return world.slots.get(id)?.strays.some((stray) => stray.jobId === jobId) ?? false;
}
