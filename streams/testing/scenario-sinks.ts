// The sinks of a marble scenario's run: each command answered after its frames, from the
// scenario's answers (in the order the commands are issued) or from what Slurm shows at the frame.

import { NEVER, type Observable, timer } from 'rxjs';
import { map } from 'rxjs/operators';
import type { TestScheduler } from 'rxjs/testing';
import type { CommandType } from '../../lib/core/commands.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import type { Failure } from '../../lib/core/failure.js';
import type { SlurmJob } from '../../lib/core/slurm-job.js';
import type { DeployerSinks } from '../index.js';
import type { Answer, Answers, SlurmView } from './scenario-format.js';
import { ok } from './scenario-legend.js';

export function scenarioSinks(
  answers: Answers,
  delays: Readonly<Record<CommandType, number>>,
  slurmAt: (frame: number) => SlurmView,
  now: () => number,
  errors: string[],
  scheduler: TestScheduler,
): { sinks: DeployerSinks; answered: () => Partial<Record<keyof Answers, number>> } {
  const used: Partial<Record<CommandType, number>> = {};
  const reply = (event: DeployerEvent, after: number): Observable<DeployerEvent> => timer(after, scheduler).pipe(map(() => event));
  const downFailure = (): Failure | undefined => {
    const view = slurmAt(now());
    return Array.isArray(view) ? undefined : (view as { down: Failure }).down;
  };
  const jobsNow = (): readonly SlurmJob[] => {
    const view = slurmAt(now());
    return Array.isArray(view) ? (view as readonly SlurmJob[]) : [];
  };
  /** The next answer from the table, or undefined when the table has no more. */
  const next = (type: keyof Answers): Answer | undefined => {
    const n = used[type] ?? 0;
    used[type] = n + 1;
    return answers[type]?.[n];
  };
  /** A table answer for a command that succeeds by default. */
  const answerOrOk = (type: keyof Answers, okEvent: DeployerEvent, failEvent: (f: Failure) => DeployerEvent): Observable<DeployerEvent> => {
    const answer = next(type) ?? ok();
    const after = answer.after ?? delays[type];
    if (answer.outcome === 'failed') return reply(failEvent(answer.failure), after);
    if (answer.outcome === 'submitted') errors.push(`frame ${now()}: answers.${type} gives a job id; only submitJob answers take one`);
    return reply(okEvent, after);
  };

  const sinks: DeployerSinks = {
    pollJobs: (c) => {
      const failure = downFailure();
      return reply(failure ? { type: 'pollFailed', pollId: c.pollId, failure } : { type: 'jobsPolled', pollId: c.pollId, jobs: jobsNow() }, delays.pollJobs);
    },
    pollStates: (c) => {
      const failure = downFailure();
      if (failure) return reply({ type: 'statesPollFailed', pollId: c.pollId, failure }, delays.pollStates);
      const jobs = jobsNow();
      const asked = new Set(c.jobIds);
      const known = new Set(c.discover?.known ?? []);
      const states = jobs.filter((j) => asked.has(j.jobId)).map((j) => ({ jobId: j.jobId, state: j.state }));
      const discovered = c.discover === undefined ? undefined : jobs.filter((j) => j.jobId > (c.discover?.above ?? 0) && !asked.has(j.jobId) && !known.has(j.jobId));
      const maxJobId = c.all || c.discover !== undefined ? Math.max(0, ...jobs.map((j) => j.jobId)) : undefined;
      return reply({ type: 'statesPolled', pollId: c.pollId, states, ...(maxJobId === undefined ? {} : { maxJobId }), ...(discovered ? { discovered } : {}) }, delays.pollStates);
    },
    writeWatermark: (c) => reply({ type: 'watermarkWritten', watermark: c.watermark }, delays.writeWatermark),
    recordJobs: (c) =>
      answerOrOk('recordJobs', { type: 'jobsRecorded', add: c.add, remove: c.remove }, (f) => ({ type: 'jobsRecordFailed', add: c.add, remove: c.remove, failure: f })),
    lookupJob: (c) => {
      const failure = downFailure();
      const job = jobsNow().find((j) => j.jobId === c.jobId);
      const outcome: DeployerEvent = failure
        ? { type: 'lookupFailed', id: c.id, jobId: c.jobId, failure }
        : { type: 'jobLookedUp', id: c.id, jobId: c.jobId, ...(job ? { job } : {}) };
      return reply(outcome, delays.lookupJob);
    },
    submitJob: (c) => {
      const failure = downFailure();
      if (failure) return reply({ type: 'submitFailed', id: c.id, submitId: c.submitId, failure }, delays.submitJob);
      const answer = next('submitJob');
      const after = answer?.after ?? delays.submitJob;
      if (answer?.outcome === 'submitted') return reply({ type: 'jobSubmitted', id: c.id, submitId: c.submitId, jobId: answer.jobId }, after);
      if (answer?.outcome === 'failed') return reply({ type: 'submitFailed', id: c.id, submitId: c.submitId, failure: answer.failure }, after);
      errors.push(`frame ${now()}: submitJob #${used.submitJob} (${c.id} ${c.submitId}) has no answer in answers.submitJob (it is left unanswered)`);
      return NEVER;
    },
    cancelJob: (c) => {
      const failure = downFailure();
      if (failure) return reply({ type: 'cancelFailed', id: c.id, jobId: c.jobId, failure }, delays.cancelJob);
      return answerOrOk('cancelJob', { type: 'jobCancelled', id: c.id, jobId: c.jobId }, (f) => ({
        type: 'cancelFailed',
        id: c.id,
        jobId: c.jobId,
        failure: f,
      }));
    },
    writeState: (c) =>
      answerOrOk('writeState', { type: 'stateWritten', id: c.id, state: c.state }, (f) => ({ type: 'stateWriteFailed', id: c.id, state: c.state, failure: f })),
    deleteState: (c) => answerOrOk('deleteState', { type: 'stateDeleted', id: c.id }, (f) => ({ type: 'stateDeleteFailed', id: c.id, failure: f })),
  };
  return { sinks, answered: () => used };
}
