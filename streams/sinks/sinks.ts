// The command sinks: Slurm REST for poll/submit/cancel, the Config DB for state writes. Each
// turns one command into one outcome event; failures are values, never stream errors. State
// writes issued together are sent together (streams/sinks/state-write-batcher.ts), each still
// answered alone.

import { defer, from, Observable, of } from 'rxjs';
import { catchError, map } from 'rxjs/operators';
import type { Command } from '../../lib/core/commands.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import type { Failure, FailureKind } from '../../lib/core/failure.js';
import type { ConfigDb } from '../../lib/configdb/config-db.js';
import type { JobSpec } from '../../lib/core/slurm-job.js';
import { SlurmRequestError, type SlurmApi } from '../../lib/slurm/slurm-api.js';
import { outcomeOfFailure, traitsOf, type AnswerOf, type DeployerSinks } from '../loop/command-table.js';
import { createStateWriteBatcher } from './state-write-batcher.js';
import { messageOf } from '../../lib/core/error-message.js';
import { definedOnly } from '../../lib/core/defined-only.js';

/** How createSinks carries out commands. */
export interface SinkOptions {
  /** The job label whose watermark writeWatermark and whose job registry recordJobs store (the deployer's); required for those commands. */
  readonly label?: string;
  /** State writes per writeStates call, at most (the etcd backend splits it further into transactions). */
  readonly stateWriteBatch?: number;
  /** How long a state write waits, at most, for the submit of its deployment to be answered. Default 1000. */
  readonly writeAfterSubmitMs?: number;
}

/**
 * The real sinks: Slurm for polls, submits, lookups and cancels; the Config DB for state writes,
 * the watermark and the job registry. A failure is an outcome event, never a stream error.
 *
 * A deployment's state write goes after its submit's answer (waiting `writeAfterSubmitMs` at
 * most): the submit is what a user waits for, and a state write sent beside it, to an etcd on the
 * same machine as slurmrestd, made it answer about 1 ms later (put -> submit p50 1.31-1.35x the
 * floor with the write beside it, 1.11-1.18x with the write after it: npm run bench -- --only stack).
 */
export function createSinks(slurm: SlurmApi, configDb: ConfigDb, options: SinkOptions = {}): DeployerSinks {
  const stateWrites = createStateWriteBatcher(configDb, options.stateWriteBatch);
  const submits = new Map<string, Promise<void>>();
  const waitMs = options.writeAfterSubmitMs ?? 1000;
  const submit = (id: string, spec: JobSpec): Promise<number> => {
    const answered = slurm.submit(spec);
    const settled = answered.then(noop, noop);
    submits.set(id, settled);
    void settled.then(() => submits.get(id) === settled && submits.delete(id));
    return answered;
  };
  const afterSubmitOf = async (id: string): Promise<void> => {
    const submitting = submits.get(id);
    if (submitting === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([submitting, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  };
  return {
    pollJobs: (command) =>
      attempt(command, () => slurm.listJobs(), (jobs) => ({ type: 'jobsPolled', pollId: command.pollId, jobs })),
    pollStates: (command) =>
      attempt(
        command,
        () => slurm.readStates(definedOnly({ jobIds: command.jobIds, all: command.all, discover: command.discover })),
        (reading) => ({
          type: 'statesPolled',
          pollId: command.pollId,
          states: reading.states,
          ...definedOnly({ maxJobId: reading.maxJobId, discovered: reading.discovered }),
        }),
      ),
    writeWatermark: (command) =>
      attempt(
        command,
        () => (options.label === undefined ? Promise.reject(new Error('no job label to write the watermark of')) : configDb.writeWatermark(options.label, command.watermark)),
        () => ({ type: 'watermarkWritten', watermark: command.watermark }),
      ),
    recordJobs: (command) =>
      attempt(
        command,
        () => (options.label === undefined ? Promise.reject(new Error('no job label to record the jobs of')) : configDb.recordJobs(options.label, command.add, command.remove)),
        () => ({ type: 'jobsRecorded', add: command.add, remove: command.remove }),
      ),
    submitJob: (command) =>
      attempt(command, () => submit(command.id, command.spec), (jobId) => ({ type: 'jobSubmitted', id: command.id, submitId: command.submitId, jobId })),
    lookupJob: (command) =>
      attempt(command, () => slurm.getJob(command.jobId), (job) => ({
        type: 'jobLookedUp',
        id: command.id,
        jobId: command.jobId,
        ...definedOnly({ job }),
      })),
    cancelJob: (command) =>
      attempt(command, () => slurm.cancel(command.jobId), () => ({ type: 'jobCancelled', id: command.id, jobId: command.jobId })),
    // A deployment created again meanwhile keeps its state: nothing more to do either way.
    deleteState: (command) => attempt(command, () => configDb.deleteState(command.id), () => ({ type: 'stateDeleted', id: command.id })),
    writeState: (command) =>
      attempt(command, () => afterSubmitOf(command.id).then(() => stateWrites.write(command.id, command.state)), (result) =>
        result === 'written'
          ? { type: 'stateWritten', id: command.id, state: command.state }
          : { type: 'stateWriteFailed', id: command.id, state: command.state, failure: { kind: 'permanent', message: 'the deployment no longer exists' } },
      ),
  };
}

/**
 * Runs one call; a classified SlurmRequestError keeps its kind, anything else gets the command's
 * `unforeseen` kind (streams/loop/command-table.ts: a submit may still have reached Slurm). The
 * outcome is one of the events the command's row names (AnswerOf): checked by the compiler.
 */
function attempt<C extends Command, T>(command: C, call: () => Promise<T>, outcome: (value: T) => AnswerOf<C['type']>): Observable<DeployerEvent> {
  return defer(() => from(call())).pipe(
    map(outcome),
    catchError((error: unknown) => of(outcomeOfFailure(command, failureOf(error, traitsOf(command.type).unforeseen)))),
  );
}

function noop(): void {}

export function failureOf(error: unknown, unforeseen: FailureKind): Failure {
  if (error instanceof SlurmRequestError) return error.failure;
  const message = messageOf(error);
  return { kind: unforeseen, message };
}
