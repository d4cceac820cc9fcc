// How the simulated Slurm and Config DB carry out the reducer's commands: `choice` picks an
// outcome (success, or a failure of each kind, some after the change was made), as a run says.

import type { DeployerEvent } from '../../lib/core/events.js';
import type { FailureKind } from '../../lib/core/failure.js';
import { LABEL } from './fixtures.js';
import type { Harness, Outstanding } from './property-harness.js';
import { makeJob } from './property-landings.js';
import { FAILURE_KINDS } from './property-runs.js';
import { failure } from './property-trace.js';
import { readStates } from './simulated-slurm.js';

/** Runs a command on the simulation; its answer is delivered later. Once faults stop, every command succeeds. */
export function carryOut(h: Harness, o: Outstanding, choice: number): void {
  if (o.answer !== undefined) return;
  // Writes are carried out in any order: the reducer keeps one in flight per deployment.
  const c = h.faults ? choice : 0;
  const command = o.command;
  switch (command.type) {
    case 'pollJobs':
      if (c >= 9) o.answer = { type: 'pollFailed', pollId: command.pollId, failure: failure(FAILURE_KINDS[c - 9]!, 'poll answer lost') };
      else o.answer = { type: 'jobsPolled', pollId: command.pollId, jobs: o.snapshot ?? h.slurm.list() };
      return;
    case 'pollStates':
      if (c >= 9) o.answer = { type: 'statesPollFailed', pollId: command.pollId, failure: failure(FAILURE_KINDS[c - 9]!, 'poll answer lost') };
      else o.answer = { type: 'statesPolled', pollId: command.pollId, ...readStates(o.snapshot ?? h.slurm.list(), command, LABEL) };
      return;
    case 'writeWatermark':
      if (c === 9) o.answer = { type: 'watermarkWriteFailed', watermark: command.watermark, failure: failure('transient', 'etcd unavailable') };
      else {
        h.db.watermark = command.watermark;
        o.answer = c === 10 ? { type: 'watermarkWriteFailed', watermark: command.watermark, failure: failure('transient', 'timeout after sending') } : { type: 'watermarkWritten', watermark: command.watermark };
      }
      return;
    case 'recordJobs': {
      // As etcd's transactions: none landed (9), all (10) or the first few (11) before the failure.
      const failed: DeployerEvent = { type: 'jobsRecordFailed', add: command.add, remove: command.remove, failure: failure('transient', c === 9 ? 'etcd unavailable' : 'timeout after sending') };
      if (c === 9) o.answer = failed;
      else {
        h.db.recordJobs(command.add, command.remove, c === 11 ? 1 : Infinity);
        o.answer = c === 10 || c === 11 ? failed : { type: 'jobsRecorded', add: command.add, remove: command.remove };
      }
      return;
    }
    case 'submitJob': {
      const failed = (kind: FailureKind, message: string): DeployerEvent => ({ type: 'submitFailed', id: command.id, submitId: command.submitId, failure: failure(kind, message) });
      if (c === 6) o.answer = failed('transient', 'connection refused');
      else if (c === 7) o.answer = failed('auth', 'token expired');
      else if (c === 8) o.answer = failed('permanent', 'Invalid partition name specified');
      else if (c === 9) {
        makeJob(h, o, command.spec);
        o.answer = failed('unknown-outcome', 'timeout after sending');
      } else if (c === 10 || (c === 11 && h.statePolls)) {
        // With state polls (LANDINGS), slurmrestd may still hold the request: its job may land
        // until a bound after the answer; at that bound it lands (11) or never will (10).
        if (h.statePolls && o.submit !== undefined) {
          o.submit.fate = { kind: 'inside' };
          o.lands = c === 11;
        } else if (o.submit !== undefined) o.submit.fate = { kind: 'none' };
        o.answer = failed('unknown-outcome', c === 10 ? 'connection reset' : 'timeout: slurmrestd still retrying');
      } else o.answer = { type: 'jobSubmitted', id: command.id, submitId: command.submitId, jobId: makeJob(h, o, command.spec) };
      if (o.submit?.fate.kind === 'sent') o.submit.fate = { kind: 'none' };
      return;
    }
    case 'lookupJob': {
      if (c >= 9) {
        o.answer = { type: 'lookupFailed', id: command.id, jobId: command.jobId, failure: failure(FAILURE_KINDS[c - 9]!, 'timeout') };
        return;
      }
      const job = h.slurm.get(command.jobId);
      o.answer = { type: 'jobLookedUp', id: command.id, jobId: command.jobId, ...(job === undefined ? {} : { job }) };
      return;
    }
    case 'cancelJob': {
      const failed = (kind: FailureKind, message: string): DeployerEvent => ({ type: 'cancelFailed', id: command.id, jobId: command.jobId, failure: failure(kind, message) });
      if (c === 8) o.answer = failed('transient', 'slurmctld not responding');
      else if (c === 9) o.answer = failed('auth', 'token expired');
      else if (c === 10) {
        h.slurm.cancel(command.jobId);
        o.answer = failed('unknown-outcome', 'timeout after sending');
      } else if (c === 11) o.answer = failed('unknown-outcome', 'connection reset');
      else {
        const result = h.slurm.cancel(command.jobId);
        if (result === 'cancelled') o.answer = { type: 'jobCancelled', id: command.id, jobId: command.jobId };
        else o.answer = failed('permanent', result === 'already-ended' ? 'Job/step already completing or completed' : 'Invalid job id specified');
      }
      return;
    }
    case 'writeState': {
      const failed = (kind: FailureKind, message: string): DeployerEvent => ({ type: 'stateWriteFailed', id: command.id, state: command.state, failure: failure(kind, message) });
      if (c === 9) o.answer = failed('transient', 'etcd unavailable');
      else if (c === 10) {
        h.db.writeState(command.id, command.state);
        o.answer = failed('transient', 'timeout after sending');
      } else {
        o.answer =
          h.db.writeState(command.id, command.state) === 'written'
            ? { type: 'stateWritten', id: command.id, state: command.state }
            : failed('permanent', 'the deployment no longer exists');
      }
      return;
    }
    case 'deleteState':
      if (c === 9) o.answer = { type: 'stateDeleteFailed', id: command.id, failure: failure('transient', 'etcd unavailable') };
      else {
        h.db.deleteState(command.id);
        o.answer = c === 10 ? { type: 'stateDeleteFailed', id: command.id, failure: failure('transient', 'timeout') } : { type: 'stateDeleted', id: command.id };
      }
      return;
  }
}
