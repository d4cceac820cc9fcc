// Marble specs of leadership gating the loop: a run per term, dropped at once when leadership is
// lost, drained on stop; and sinks that send nothing while the lease is not proven.

import { expect } from 'chai';
import { firstValueFrom, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { Command } from '../../../lib/core/commands.js';
import type { DeployerEvent } from '../../../lib/core/events.js';
import type { DeployerSinks } from '../../../streams/loop/deployer.js';
import { gateSinks, whileLeading, type Leadership } from '../../../streams/leadership/leadership.js';
import { observableMatcher } from '../../support/observable-matcher.js';

const leading = (term: number): Leadership => ({ leader: true, term, replicaId: 'r1' });
const following = (term: number): Leadership => ({ leader: false, term, replicaId: 'r1' });
const values = { a: leading(1), b: leading(5), f: following(1), g: following(5) };

describe('whileLeading()', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler(observableMatcher);
  });

  it('runs a fresh loop per term and drops it at once when leadership is lost', () => {
    scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const changes = hot('  -a----f---b-------', values);
      const term1 = cold('    x-x-x-x-x-x-x-x');
      const term5 = cold('              y-y-y-y');
      const expected = '     -x-x-x----y-y-y-y-';
      expectObservable(whileLeading(changes, (term) => (term === 1 ? term1 : term5))).toBe(expected);
      expectSubscriptions(term1.subscriptions).toBe('-^----!');
      expectSubscriptions(term5.subscriptions).toBe('----------^-------');
    });
  });

  it('on stop, lets the current run drain and completes when it does; no new term is started', () => {
    scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const changes = hot('  -a-------f--b---', values);
      const stop = hot('     ----s');
      const term1 = cold('    x-x-x-|');
      const expected = '     -x-x-x-|';
      expectObservable(whileLeading(changes, () => term1, stop)).toBe(expected);
      expectSubscriptions(term1.subscriptions).toBe('-^-----!');
    });
  });

  it('on stop, a follower completes at once', () => {
    scheduler.run(({ hot, cold, expectObservable }) => {
      const changes = hot('  -a--f------', values);
      const stop = hot('     ------s');
      expectObservable(whileLeading(changes, () => cold('x-x-x-x-x-x-x'), stop)).toBe('-x-x--|');
    });
  });

  it('a lease lost while draining ends the run at once: no drain for a lost lease', () => {
    scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const changes = hot('  -a---f---', values);
      const stop = hot('     ---s');
      const term1 = cold('    x-x-x-x-x-|');
      expectObservable(whileLeading(changes, () => term1, stop)).toBe('-x-x-|');
      expectSubscriptions(term1.subscriptions).toBe('-^---!');
    });
  });
});

describe('gateSinks()', () => {
  const sent: Command[] = [];
  const sink = (command: Command) => {
    sent.push(command);
    return of<DeployerEvent>({ type: 'tick', now: 0 });
  };
  const sinks: DeployerSinks = { pollJobs: sink, pollStates: sink, submitJob: sink, lookupJob: sink, cancelJob: sink, writeState: sink, deleteState: sink, writeWatermark: sink, recordJobs: sink };
  const submit: Command = { type: 'submitJob', id: 'd1', submitId: 'r1', spec: {} as never };
  const write: Command = { type: 'writeState', id: 'd1', state: { status: 'PENDING', generation: 1 } as never };
  beforeEach(() => sent.splice(0));

  it('asks before every command and sends it while the replica may act', async () => {
    let asked = 0;
    const gated = gateSinks(sinks, () => (asked++, true));
    expect(await firstValueFrom(gated.submitJob(submit as Extract<Command, { type: 'submitJob' }>))).to.deep.equal({ type: 'tick', now: 0 });
    expect(await firstValueFrom(gated.writeState(write as Extract<Command, { type: 'writeState' }>))).to.deep.equal({ type: 'tick', now: 0 });
    expect(asked).to.equal(2);
    expect(sent).to.deep.equal([submit, write]);
  });

  it('sends nothing once it may not, and answers with a transient failure (a submit too: nothing reached Slurm)', async () => {
    const gated = gateSinks(sinks, () => false);
    const outcome = await firstValueFrom(gated.submitJob(submit as Extract<Command, { type: 'submitJob' }>));
    expect(outcome).to.deep.include({ type: 'submitFailed', id: 'd1', submitId: 'r1' });
    expect(outcome).to.have.nested.property('failure.kind', 'transient');
    expect(await firstValueFrom(gated.writeState(write as Extract<Command, { type: 'writeState' }>))).to.have.property('type', 'stateWriteFailed');
    expect(sent).to.deep.equal([]);
  });
});
