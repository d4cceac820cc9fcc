// What of each step is worth a log line: the facts learned and the commands issued (each
// command's line is in streams/command-table.ts).

import type { Command } from '../lib/core/commands.js';
import type { DeployerEvent } from '../lib/core/events.js';
import { traitsOf } from './command-table.js';
import type { DeployerOutput } from './deployer.js';
import type { Logger } from './log.js';

export function logOutput(log: Logger, output: DeployerOutput): void {
  switch (output.type) {
    case 'fault':
      log.error('reducer failed on an event; event skipped', { event: output.event.type, error: String(output.error) });
      return;
    case 'sourceFailed':
      log.error('an event source failed', { error: String(output.error) });
      return;
    case 'step':
      logEvent(log, output.event);
      for (const command of output.commands) logCommand(log, command);
  }
}

function logEvent(log: Logger, event: DeployerEvent): void {
  switch (event.type) {
    case 'tick':
      return;
    case 'configListed':
      log.info('Config DB listed', { deployments: event.deployments.length, invalid: event.invalid.length, orphan_states: event.orphanStates?.length ?? 0 });
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
      log.warning('Slurm poll failed', { poll: event.pollId, kind: event.failure.kind, error: event.failure.message });
      return;
    case 'jobSubmitted':
      log.info('job submitted', { deployment: event.id, job: event.jobId, submit: event.submitId });
      return;
    case 'submitFailed':
      log.warning('submit failed', { deployment: event.id, submit: event.submitId, kind: event.failure.kind, error: event.failure.message });
      return;
    case 'jobLookedUp':
      log.info(event.job ? 'job found by lookup' : 'job lost: Slurm no longer knows it', { deployment: event.id, job: event.jobId });
      return;
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

function logCommand(log: Logger, command: Command): void {
  const line = traitsOf(command.type).logLine(command);
  log[line.level](line.message, line.fields);
}
