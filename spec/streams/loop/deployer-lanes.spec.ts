// deployer() under load: it yields to the event loop between batches of events (through the
// scheduler it is given, else setImmediate), keeps events in arrival order across yields, and
// runs commands in lanes, so that a poll never waits behind submits.

import { expect } from 'chai';
import { from, Observable, of, type SchedulerLike } from 'rxjs';
import { delay } from 'rxjs/operators';
import { TestScheduler } from 'rxjs/testing';
import type { Command } from '../../../lib/core/commands.js';
import type { DeployerEvent } from '../../../lib/core/events.js';
import type { Reducer } from '../../../lib/core/reducer.js';
import type { JobSpec } from '../../../lib/core/slurm-job.js';
import { deployer, type DeployerOutput, type DeployerSinks } from '../../../streams/loop/deployer.js';
import { observableMatcher } from '../../support/observable-matcher.js';

const ticks = (count: number): DeployerEvent[] => Array.from({ length: count }, (_, i) => ({ type: 'tick', now: i }));
const submit = (i: number): Command => ({ type: 'submitJob', id: `d${i}`, submitId: 'r1', spec: { name: `d${i}` } as JobSpec });

/** A reducer that decides what `decide` says and never reads the world. */
const scripted =
  (decide: (event: DeployerEvent) => readonly Command[] = () => []): Reducer =>
  (world, event) => ({ world, commands: decide(event) });

/** Sinks that answer at once (synchronously) with success. */
function syncSinks(): DeployerSinks {
  return {
    pollJobs: (c) => of({ type: 'jobsPolled', pollId: c.pollId, jobs: [] }),
    pollStates: (c) => of({ type: 'statesPolled', pollId: c.pollId, states: [] }),
    writeWatermark: (c) => of({ type: 'watermarkWritten', watermark: c.watermark }),
    recordJobs: (c) => of({ type: 'jobsRecorded', add: c.add, remove: c.remove }),
    submitJob: (c) => of({ type: 'jobSubmitted', id: c.id, submitId: c.submitId, jobId: 1 }),
    lookupJob: (c) => of({ type: 'jobLookedUp', id: c.id, jobId: c.jobId }),
    cancelJob: (c) => of({ type: 'jobCancelled', id: c.id, jobId: c.jobId }),
    writeState: (c) => of({ type: 'stateWritten', id: c.id, state: c.state }),
    deleteState: (c) => of({ type: 'stateDeleted', id: c.id }),
  };
}

function run(output: Observable<DeployerOutput>): Promise<DeployerOutput[]> {
  const outputs: DeployerOutput[] = [];
  return new Promise((resolve, reject) => output.subscribe({ next: (o) => outputs.push(o), complete: () => resolve(outputs), error: reject }));
}

describe('deployer() yielding to the event loop', () => {
  it('handles a burst in batches, letting timers run between them, every event once and in order', async () => {
    const events = ticks(1000);
    const seen: number[] = [];
    let handledWhenTheTimerRan = -1;
    const reducer = scripted((e) => {
      seen.push(e.type === 'tick' ? e.now : -1);
      return [];
    });
    const stop = new Observable<never>(() => undefined);
    const subscription = deployer({ sources: [from(events)], sinks: syncSinks(), reducer, batch: { events: 100, ms: 1e9 }, stop }).subscribe();
    // The first batch is handled synchronously, inside subscribe; the rest waits for the event loop.
    expect(seen).to.have.length(100);
    setImmediate(() => (handledWhenTheTimerRan = seen.length));
    await new Promise((resolve) => setTimeout(resolve, 50));
    subscription.unsubscribe();
    expect(handledWhenTheTimerRan).to.be.greaterThan(0).and.lessThan(1000);
    expect(seen).to.deep.equal(events.map((_, i) => i));
  });

  it('yields after the time budget, whatever the count', async () => {
    const seen: number[] = [];
    const reducer = scripted((e) => {
      const until = performance.now() + 2;
      while (performance.now() < until); // a slow event: 2 ms
      seen.push(e.type === 'tick' ? e.now : -1);
      return [];
    });
    const subscription = deployer({ sources: [from(ticks(20))], sinks: syncSinks(), reducer, batch: { events: 1000, ms: 5 } }).subscribe();
    // Each event takes 2 ms at least: the 5 ms budget is spent after 3 at most (1 on a starved machine).
    expect(seen.length).to.be.within(1, 3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    subscription.unsubscribe();
    expect(seen).to.deep.equal(ticks(20).map((_, i) => i));
  });

  it('answers every command exactly once, outcomes queued behind the event that caused them, across yields', async () => {
    // Each tick asks for two submits; the sinks answer synchronously, inside the dispatch.
    const reducer = scripted((e) => (e.type === 'tick' ? [submit(2 * e.now), submit(2 * e.now + 1)] : []));
    const stop = new Observable<void>((s) => {
      setTimeout(() => s.next(), 100);
    });
    const outputs = await run(deployer({ sources: [from(ticks(300))], sinks: syncSinks(), reducer, batch: { events: 7 }, stop }));
    const handled = outputs.flatMap((o) => (o.type === 'step' ? [o.event] : []));
    const answered = handled.flatMap((e) => (e.type === 'jobSubmitted' ? [e.id] : []));
    expect(answered).to.have.length(600);
    expect(new Set(answered).size).to.equal(600);
    // Never an outcome before the event that caused it.
    const position = new Map(handled.map((e, i) => [e.type === 'tick' ? `t${e.now}` : e.type === 'jobSubmitted' ? e.id : '', i]));
    for (let i = 0; i < 300; i++) {
      expect(position.get(`d${2 * i}`)).to.be.greaterThan(position.get(`t${i}`) as number);
      expect(position.get(`d${2 * i + 1}`)).to.be.greaterThan(position.get(`t${i}`) as number);
    }
    expect(handled.filter((e) => e.type === 'tick').map((e) => (e.type === 'tick' ? e.now : -1))).to.deep.equal(ticks(300).map((_, i) => i));
  });

  it('yields through the scheduler it is given, within the frame of a virtual one', () => {
    const test = new TestScheduler(observableMatcher);
    let yields = 0;
    const counting: SchedulerLike = {
      now: () => test.now(),
      schedule: (work: never, delay?: number, state?: never) => {
        if (!delay) yields++;
        return test.schedule(work, delay, state);
      },
    };
    test.run(({ hot, expectObservable }) => {
      const source = hot<DeployerEvent>('(abcdefg)', Object.fromEntries('abcdefg'.split('').map((k, i) => [k, { type: 'tick', now: i }])));
      const out = deployer({ sources: [source], sinks: syncSinks(), reducer: scripted(), scheduler: counting, batch: { events: 2 } });
      const nows = new Observable<number>((s) => out.subscribe((o) => o.type === 'step' && o.event.type === 'tick' && s.next(o.event.now)));
      expectObservable(nows).toBe('(0123456)', [0, 1, 2, 3, 4, 5, 6]);
    });
    expect(yields).to.be.greaterThan(0);
  });
});

describe('deployer() lanes', () => {
  let test: TestScheduler;
  beforeEach(() => {
    test = new TestScheduler(observableMatcher);
  });

  it('answers a poll decided after 40 submits at once, not behind them', () => {
    test.run(({ hot, cold, expectObservable }) => {
      const listed = hot<DeployerEvent>('l', { l: { type: 'configListed', deployments: [], invalid: [] } });
      const reducer = scripted((e) => (e.type === 'configListed' ? [...Array.from({ length: 40 }, (_, i) => submit(i)), { type: 'pollJobs', pollId: 1 }] : []));
      const sinks: DeployerSinks = {
        ...syncSinks(),
        submitJob: (c) => cold('-----s|', { s: { type: 'jobSubmitted', id: c.id, submitId: c.submitId, jobId: 1 } }),
        pollJobs: (c) => cold('-p|', { p: { type: 'jobsPolled', pollId: c.pollId, jobs: [] } }),
      };
      const out = deployer({ sources: [listed], sinks, reducer, scheduler: test });
      const polled = new Observable<string>((s) => out.subscribe((o) => o.type === 'step' && o.event.type === 'jobsPolled' && s.next('p')));
      expectObservable(polled).toBe('-p');
    });
  });

  it('keeps each lane within its concurrency: submits 8 at a time by default, or as set', () => {
    for (const [lanes, expected] of [[{}, 8], [{ submit: 3 }, 3]] as const) {
      let running = 0;
      let most = 0;
      let answered = 0;
      test = new TestScheduler(observableMatcher);
      test.run(({ hot }) => {
        const listed = hot<DeployerEvent>('l', { l: { type: 'configListed', deployments: [], invalid: [] } });
        const reducer = scripted((e) => (e.type === 'configListed' ? Array.from({ length: 30 }, (_, i) => submit(i)) : []));
        const sinks: DeployerSinks = {
          ...syncSinks(),
          submitJob: (c) =>
            new Observable<DeployerEvent>((s) => {
              most = Math.max(most, ++running);
              const inner = of<DeployerEvent>({ type: 'jobSubmitted', id: c.id, submitId: c.submitId, jobId: 1 })
                .pipe(delay(3, test))
                .subscribe(s);
              return () => {
                running--;
                inner.unsubscribe();
              };
            }),
        };
        deployer({ sources: [listed], sinks, reducer, scheduler: test, lanes }).subscribe((o) => {
          if (o.type === 'step' && o.event.type === 'jobSubmitted') answered++;
        });
      });
      expect(most).to.equal(expected);
      expect(answered).to.equal(30);
    }
  });
});
