// watchReads (`status --watch`): a read at once, again after each interval or at once after a
// change, reported only when changed; failures said once; a stop lets the read under way report.

import { expect } from 'chai';
import { NEVER, Subject, firstValueFrom, lastValueFrom, of, timer } from 'rxjs';
import { take, toArray } from 'rxjs/operators';
import { watchReads, type WatchNote } from '../../../streams/cli/status-watch.js';

const HOUR = 3_600_000;

/** Reads that answer the queued results in turn (a string is a failure), each when released. */
function reads(results: (number | string)[]) {
  let count = 0;
  const pending: (() => void)[] = [];
  const read = () => {
    count += 1;
    const result = results.shift();
    return new Promise<number>((resolve, reject) => {
      pending.push(() => (typeof result === 'string' ? reject(new Error(result)) : resolve(result ?? -1)));
    });
  };
  return { read, count: () => count, release: () => pending.shift()?.() };
}

const settle = () => firstValueFrom(timer(5));

describe('watchReads()', () => {
  it('reads again at once after a change, not after the interval, and reports only changes', async () => {
    const source = reads([1, 1, 2]);
    const pokes = new Subject<void>();
    const notes: WatchNote<number>[] = [];
    const sub = watchReads({ read: source.read, changeKey: String, pokes, stop: NEVER, intervalMs: HOUR }).subscribe((n) => notes.push(n));
    await settle();
    expect(source.count()).to.equal(1);
    source.release();
    await settle();
    expect(notes).to.deep.equal([{ kind: 'changed', rows: 1 }]);
    pokes.next();
    await settle();
    expect(source.count()).to.equal(2);
    // A change during a read: the next read follows at once.
    pokes.next();
    source.release();
    await settle();
    expect(source.count()).to.equal(3);
    source.release();
    await settle();
    expect(notes).to.deep.equal([
      { kind: 'changed', rows: 1 },
      { kind: 'changed', rows: 2 },
    ]);
    sub.unsubscribe();
  });

  it('reads again after the interval; a failure is said once until a read succeeds', async () => {
    const source = reads(['down', 'still down', 3, 'down again']);
    const notes = watchReads({ read: source.read, changeKey: String, pokes: NEVER, stop: NEVER, intervalMs: 1 }).pipe(take(3), toArray());
    const done = lastValueFrom(notes);
    const releaser = setInterval(source.release, 2);
    try {
      expect(await done).to.deep.equal([
        { kind: 'failing', message: 'down' },
        { kind: 'changed', rows: 3 },
        { kind: 'failing', message: 'down again' },
      ]);
    } finally {
      clearInterval(releaser);
    }
  });

  it('on stop, reports the read under way and completes without another', async () => {
    const source = reads([1, 2]);
    const stop = new Subject<void>();
    const all = lastValueFrom(watchReads({ read: source.read, changeKey: String, pokes: NEVER, stop, intervalMs: HOUR }).pipe(toArray()));
    await settle();
    stop.next();
    source.release();
    expect(await all).to.deep.equal([{ kind: 'changed', rows: 1 }]);
    expect(source.count()).to.equal(1);
  });

  it('on stop while waiting, completes at once; a stop before the first read reads nothing', async () => {
    const waiting = reads([1]);
    const stop = new Subject<void>();
    const all = lastValueFrom(watchReads({ read: waiting.read, changeKey: String, pokes: NEVER, stop, intervalMs: HOUR }).pipe(toArray()));
    await settle();
    waiting.release();
    await settle();
    stop.next();
    expect(await all).to.have.length(1);
    const early = reads([1]);
    // A stop already given (bin/ replays a signal that came while the watch was being set up).
    const none = await lastValueFrom(watchReads({ read: early.read, changeKey: String, pokes: NEVER, stop: of(undefined), intervalMs: HOUR }).pipe(toArray()));
    expect(early.count()).to.equal(0);
    expect(none).to.deep.equal([]);
  });
});
