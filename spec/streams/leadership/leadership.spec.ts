// Marble specs of leadership gating the loop: a run per term, dropped at once when leadership is
// lost, drained on stop. (Requests sent only while the lease is proven: lib/slurm/slurm-http.ts `leading`,
// lib/configdb/write-fence.ts, and their specs.)

import { TestScheduler } from 'rxjs/testing';
import { whileLeading, type Leadership } from '../../../streams/leadership/leadership.js';
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
