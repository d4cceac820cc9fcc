// Marble specs of the pipeline wiring: real reducer, sinks replaced by cold observables.

import { expect } from 'chai';
import { EMPTY, from, NEVER, Observable, throwError } from 'rxjs';
import { mergeMap } from 'rxjs/operators';
import { TestScheduler } from 'rxjs/testing';
import type { Command } from '../../../lib/core/commands.js';
import type { DeployerEvent } from '../../../lib/core/events.js';
import { createReducer } from '../../../lib/core/reducer.js';
import { deployer, type DeployerOutput, type DeployerSinks } from '../../../streams/loop/deployer.js';
import { entry, settings } from '../../support/fixtures.js';
import { observableMatcher } from '../../support/observable-matcher.js';

const reducer = createReducer(settings);
const listed: DeployerEvent = { type: 'configListed', deployments: [entry('d1')], invalid: [] };
const tick: DeployerEvent = { type: 'tick', now: 1 };

/** One letter per command, so that a marble line reads as the deployer's decisions. */
function letters(output: Observable<DeployerOutput>): Observable<string> {
  const letter: Record<Command['type'], string> = { pollJobs: 'P', pollStates: 'Q', submitJob: 'S', lookupJob: 'L', cancelJob: 'C', writeState: 'W', deleteState: 'D', writeWatermark: 'M', recordJobs: 'R' };
  return output.pipe(mergeMap((o) => (o.type === 'step' ? from(o.commands.map((c) => letter[c.type])) : o.type === 'fault' ? from(['!']) : from(['x']))));
}

function sinks(h: TestScheduler['createColdObservable'], overrides: Partial<DeployerSinks> = {}): DeployerSinks {
  return {
    pollJobs: (c) => h('--r|', { r: { type: 'jobsPolled', pollId: c.pollId, jobs: [] } }),
    pollStates: (c) => h('--r|', { r: { type: 'statesPolled', pollId: c.pollId, states: [] } }),
    writeWatermark: (c) => h('-m|', { m: { type: 'watermarkWritten', watermark: c.watermark } }),
    recordJobs: (c) => h('-r|', { r: { type: 'jobsRecorded', add: c.add, remove: c.remove } }),
    submitJob: (c) => h('----s|', { s: { type: 'jobSubmitted', id: c.id, submitId: c.submitId, jobId: 7 } }),
    lookupJob: (c) => h('-l|', { l: { type: 'jobLookedUp', id: c.id, jobId: c.jobId } }),
    cancelJob: (c) => h('-k|', { k: { type: 'jobCancelled', id: c.id, jobId: c.jobId } }),
    writeState: (c) => h('-w|', { w: { type: 'stateWritten', id: c.id, state: c.state } }),
    deleteState: (c) => h('-d|', { d: { type: 'stateDeleted', id: c.id } }),
    ...overrides,
  };
}

describe('deployer() wiring', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler(observableMatcher);
  });

  it('polls, waits for the listing and the poll, submits, then records the job id', () => {
    scheduler.run(({ hot, cold, expectObservable }) => {
      const ticks = hot('t-----------', { t: tick });
      const config = hot('-l----------', { l: listed });
      const out = deployer({ sources: [ticks, config], sinks: sinks(cold), reducer, scheduler });
      expectObservable(letters(out)).toBe('P-(SW)W-----');
    });
  });

  it('turns a sink error into a failure outcome and goes on', () => {
    scheduler.run(({ hot, cold, expectObservable }) => {
      const ticks = hot('t-----------', { t: tick });
      const config = hot('-l----------', { l: listed });
      const failingSubmit = () => throwError(() => new Error('socket hang up'));
      const outputs: DeployerOutput[] = [];
      const out = deployer({ sources: [ticks, config], sinks: sinks(cold, { submitJob: failingSubmit }), reducer, scheduler });
      out.subscribe((o) => outputs.push(o));
      // The failed submit of unknown outcome is answered at once; the state stays PENDING: no new write.
      expectObservable(letters(out)).toBe('P-(SW)------');
      scheduler.flush();
      const failed = outputs.find((o) => o.type === 'step' && o.event.type === 'submitFailed');
      expect(failed?.type === 'step' && failed.event).to.deep.equal({
        type: 'submitFailed',
        id: 'd1',
        submitId: 'r10',
        failure: { kind: 'unknown-outcome', message: 'submitJob: socket hang up' },
      });
    });
  });

  it('gives a sink that never answers a failure outcome after the command timeout', () => {
    scheduler.run(({ hot, cold, expectObservable }) => {
      const ticks = hot('t-----------', { t: tick });
      const config = hot('-l----------', { l: listed });
      const out = deployer({
        sources: [ticks, config],
        sinks: sinks(cold, { submitJob: () => NEVER }),
        reducer,
        scheduler,
        commandTimeoutMs: 5,
      });
      const failures = out.pipe(mergeMap((o) => (o.type === 'step' && o.event.type === 'submitFailed' ? from([o.event.failure.kind]) : EMPTY)));
      expectObservable(failures).toBe('-------u----', { u: 'unknown-outcome' });
    });
  });

  it('keeps running when one source fails', () => {
    scheduler.run(({ hot, cold, expectObservable }) => {
      const ticks = hot('t-----------', { t: tick });
      const broken = hot<DeployerEvent>('-#', undefined, new Error('etcd gone'));
      const config = hot('---l--------', { l: listed });
      const out = deployer({ sources: [ticks, broken, config], sinks: sinks(cold), reducer, scheduler });
      expectObservable(letters(out)).toBe('Px-(SW)W----');
    });
  });

  it('handles an outcome reported synchronously after the event that caused it', () => {
    scheduler.run(({ hot, cold, expectObservable }) => {
      const ticks = hot('t-----------', { t: tick });
      const config = hot('-l----------', { l: listed });
      const syncSinks = sinks(cold, {
        pollJobs: (c) => from([{ type: 'jobsPolled', pollId: c.pollId, jobs: [] } as DeployerEvent]),
        submitJob: (c) => from([{ type: 'jobSubmitted', id: c.id, submitId: c.submitId, jobId: 3 } as DeployerEvent]),
        writeState: (c) => cold('-----w|', { w: { type: 'stateWritten', id: c.id, state: c.state } }),
      });
      const steps = deployer({ sources: [ticks, config], sinks: syncSinks, reducer, scheduler }).pipe(
        mergeMap((o) => (o.type === 'step' && o.event.type !== 'tick' ? from([o.event.type[0]]) : EMPTY)),
      );
      // jobsPolled (j) right after the tick at 0; at 1 the listing (c), then the outcome of the
      // submit it caused (j for jobSubmitted), in that order. The first state write answers at 6;
      // the second (the job id) waited for it, so that writes land in order, and answers at 11.
      expectObservable(steps).toBe('j(cj)-s----s', { j: 'j', c: 'c', s: 's' });
    });
  });
});

describe('deployer() stopping', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler(observableMatcher);
  });

  it('takes no new work once stopped, records the answers in flight, then completes', () => {
    scheduler.run(({ hot, cold, expectObservable }) => {
      const ticks = hot('t-----------', { t: tick });
      const config = hot('-l----------', { l: listed });
      const stop = hot('---s--------');
      const out = deployer({ sources: [ticks, config], sinks: sinks(cold), reducer, scheduler, stop });
      // The submit (S at 2) answers at 6; its job id is still written (W at 6); then it completes at 7,
      // once that write has answered. No poll follows, though the ticks go on.
      expectObservable(letters(out)).toBe('P-(SW)W|');
    });
  });

  it('completes at once when nothing is in flight', () => {
    scheduler.run(({ hot, cold, expectObservable }) => {
      const ticks = hot('t-----------', { t: tick });
      const stop = hot('----s-------');
      const out = deployer({ sources: [ticks], sinks: sinks(cold), reducer, scheduler, stop });
      expectObservable(letters(out)).toBe('P---|');
    });
  });
});
