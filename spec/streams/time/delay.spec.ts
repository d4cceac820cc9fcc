// The one delay helper: delays beyond what a Node timer holds (2^31-1 ms) are waited in full,
// in virtual time and in real time.

import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestScheduler } from 'rxjs/testing';
import { delayFor, delayUntil, MAX_TIMER_MS, setLongTimeout, sleepFor, timeoutMs } from '../../../streams/time/delay.js';
import { observableMatcher } from '../../support/observable-matcher.js';

describe('delay', () => {
  it('waits a delay longer than one timer holds in full, as a chain of timers (virtual time)', () => {
    const scheduler = new TestScheduler(observableMatcher);
    scheduler.run(({ expectObservable }) => {
      const ms = 3 * MAX_TIMER_MS + 5;
      expectObservable(delayFor(ms, scheduler)).toBe(`${ms}ms (a|)`, { a: 0 });
      expectObservable(delayUntil(-5, scheduler)).toBe('(a|)', { a: 0 });
      expectObservable(delayFor(Number.NaN, scheduler)).toBe('-');
      expectObservable(delayUntil(Number.POSITIVE_INFINITY, scheduler)).toBe('-');
    });
  });

  it('does not fire a 40-day delay early in real time (a bare timer fires after 1 ms)', async () => {
    let fired = 0;
    const days40 = 40 * 24 * 3600 * 1000;
    const subscription = delayFor(days40).subscribe(() => fired++);
    const handle = setLongTimeout(() => fired++, days40);
    await sleep(50);
    subscription.unsubscribe();
    handle.cancel();
    expect(fired).to.equal(0);
  });

  it('fires short delays as a timer would', async () => {
    const started = Date.now();
    await sleepFor(30);
    expect(Date.now() - started).to.be.within(25, 500);
  });

  it('holds a single timeout within one timer', () => {
    expect(timeoutMs(60_000)).to.equal(60_000);
    expect(timeoutMs(1e12)).to.equal(MAX_TIMER_MS);
    expect(timeoutMs(Number.NaN)).to.equal(MAX_TIMER_MS);
    expect(timeoutMs(-5)).to.equal(0);
  });
});
