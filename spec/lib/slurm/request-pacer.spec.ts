// The request pacer alone, on a clock of its own: the AIMD limit, polls that never wait behind
// it, the order of the others, state polls spaced while throttled, and requests given up before
// their turn.

import { expect } from 'chai';
import type { SlurmOperation } from '../../../lib/slurm/failure-classification.js';
import { NotSentError, RequestPacer, type Permit } from '../../../lib/slurm/request-pacer.js';

/** A pacer on a clock the spec moves, and the requests it let out so far, in order. */
function pacerOnClock(settings: ConstructorParameters<typeof RequestPacer>[0] = {}) {
  let now = 1_000_000;
  const pacer = new RequestPacer(settings, () => now);
  const sent: string[] = [];
  const permits = new Map<string, Permit>();
  const take = (operation: SlurmOperation, name: string = operation, signal?: AbortSignal) =>
    pacer.take(operation, signal).then((permit) => {
      sent.push(name);
      permits.set(name, permit);
      return permit;
    });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { pacer, sent, permits, take, settle, advance: (ms: number) => (now += ms) };
}

describe('the request pacer', () => {
  it('lets 8 requests other than polls out at once at the start; the next goes when one is answered', async () => {
    const { pacer, sent, permits, take, settle } = pacerOnClock();
    for (let i = 0; i < 10; i++) void take('submit', `s${i}`);
    await settle();
    expect(sent).to.have.length(8);
    expect(pacer.report()).to.include({ limit: 8, inFlight: 8, queued: 2, throttled: false });
    permits.get('s0')!.release();
    await settle();
    expect(sent).to.have.length(9);
    expect(pacer.report()).to.include({ inFlight: 8, queued: 1 });
  });

  it('never holds a poll behind the limit, however many others wait', async () => {
    const { pacer, sent, take, settle } = pacerOnClock();
    for (let i = 0; i < 100; i++) void take('submit', `s${i}`);
    await take('listJobs');
    await take('readStates');
    await settle();
    expect(sent.slice(-2)).to.deep.equal(['listJobs', 'readStates']);
    expect(pacer.report()).to.include({ inFlight: 8, queued: 92 });
  });

  it('lets the waiting out cancels first, then lookups, then submits, each in the order they came', async () => {
    const { sent, permits, take, settle } = pacerOnClock({ initialLimit: 1 });
    void take('submit', 'first');
    await settle();
    for (const [operation, name] of [['submit', 's1'], ['getJob', 'g1'], ['cancel', 'c1'], ['submit', 's2'], ['cancel', 'c2'], ['discover', 'd1']] as const) void take(operation, name);
    await settle();
    for (const name of ['first', 'c1', 'c2', 'g1', 'd1', 's1']) {
      permits.get(name)!.release(); // prompt answers would raise the limit: none given
      await settle();
    }
    expect(sent).to.deep.equal(['first', 'c1', 'c2', 'g1', 'd1', 's1', 's2']);
  });

  it('halves the limit on a late answer, once a second at most, down to 1; adds 1/limit on a prompt one, up to 16', async () => {
    const { pacer, take, advance } = pacerOnClock();
    const answer = async (ms: number) => (await take('submit')).release(ms);
    await answer(1000);
    expect(pacer.allowed).to.equal(4);
    await answer(5000); // the same bunch of refusals
    expect(pacer.allowed).to.equal(4);
    for (const expected of [2, 1, 1]) {
      advance(1000);
      await answer(2500);
      expect(pacer.allowed).to.equal(expected);
    }
    await answer(999); // 1 + 1/1
    expect(pacer.allowed).to.equal(2);
    await answer(20); // 2.5
    expect(pacer.allowed).to.equal(2);
    await answer(20); // 2.9
    await answer(20); // 3.24
    expect(pacer.allowed).to.equal(3);
    for (let i = 0; i < 500; i++) await answer(10);
    expect(pacer.allowed).to.equal(16);
    expect(pacer.report()).to.include({ throttledAnswers: 5 });
  });

  it('learns nothing from a request released without a time (a failure, a full list)', async () => {
    const { pacer, take } = pacerOnClock();
    for (let i = 0; i < 20; i++) (await take('submit')).release();
    (await take('listJobs')).release();
    expect(pacer.report()).to.deep.equal({ throttled: false, limit: 8, inFlight: 0, queued: 0, throttledAnswers: 0 });
  });

  it('reports throttled for a minute after the last late answer', async () => {
    const { pacer, take, advance } = pacerOnClock();
    (await take('cancel')).release(1500);
    expect(pacer.report()).to.include({ throttled: true, throttledAnswers: 1, limit: 4 });
    advance(59_000);
    expect(pacer.report().throttled).to.equal(true);
    advance(1_000);
    expect(pacer.report().throttled).to.equal(false);
  });

  it('a permit released twice frees one slot, once', async () => {
    const { pacer, take } = pacerOnClock();
    const permit = await take('getJob');
    permit.release(10);
    permit.release(5000);
    expect(pacer.report()).to.include({ inFlight: 0, throttledAnswers: 0 });
  });

  describe('state polls while throttled', () => {
    it('a state poll waits until the spacing after the previous one began', async () => {
      const { pacer, take } = pacerOnClock({ throttledStatesSpacingMs: 150 });
      (await take('readStates')).release(20);
      const unthrottled = performance.now();
      (await take('readStates')).release(20);
      expect(performance.now() - unthrottled, 'not throttled: at once').to.be.lessThan(50);
      (await take('submit')).release(3000);
      const started = performance.now();
      const waiting = take('readStates');
      expect(pacer.report().queued).to.equal(1);
      await waiting;
      expect(performance.now() - started).to.be.greaterThanOrEqual(140);
      expect(pacer.report().queued).to.equal(0);
    });

    it('no request other than a poll starts while a state poll is out; they go once it is answered', async () => {
      const { pacer, sent, permits, take, settle } = pacerOnClock({ throttledStatesSpacingMs: 0 });
      (await take('submit', 'late')).release(3000);
      const poll = await take('readStates', 'poll');
      for (const name of ['s1', 's2']) void take('submit', name);
      void take('cancel', 'c1');
      await take('listJobs', 'list'); // a full list is a poll too: never held
      await settle();
      expect(sent).to.deep.equal(['late', 'poll', 'list']);
      expect(pacer.report()).to.include({ inFlight: 0, queued: 3 });
      poll.release(20);
      await settle();
      expect(sent).to.deep.equal(['late', 'poll', 'list', 'c1', 's1', 's2']);
      permits.get('c1')!.release(20);
    });

    it('nor in the moments before a state poll waiting for its spacing goes', async () => {
      const { pacer, sent, take, settle, advance } = pacerOnClock({ throttledStatesSpacingMs: 300, throttledHoldBeforeStatesMs: 100 });
      (await take('submit', 'late')).release(3000);
      (await take('readStates', 'poll 1')).release(20);
      const second = take('readStates', 'poll 2');
      void take('submit', 'early');
      await settle();
      expect(sent).to.deep.equal(['late', 'poll 1', 'early']);
      advance(200); // 100 ms before the second poll is due
      void take('submit', 'held');
      await settle();
      expect(sent).to.deep.equal(['late', 'poll 1', 'early']);
      (await second).release(20); // sent once its spacing passed (a real 300 ms)
      await settle();
      expect(sent).to.deep.equal(['late', 'poll 1', 'early', 'poll 2', 'held']);
      expect(pacer.report().queued).to.equal(0);
    });

    it('not while Slurm answers promptly: then a state poll holds nothing back', async () => {
      const { sent, take, settle } = pacerOnClock();
      await take('readStates', 'poll');
      void take('submit', 's1');
      await settle();
      expect(sent).to.deep.equal(['poll', 's1']);
    });

    it('a state poll given up while it waits for its spacing is never let out', async () => {
      const { sent, take } = pacerOnClock({ throttledStatesSpacingMs: 10_000 });
      (await take('submit')).release(3000);
      await take('readStates');
      const controller = new AbortController();
      const waiting = take('readStates', 'given up', controller.signal);
      controller.abort(new Error('the poll timed out'));
      const error = await waiting.then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(NotSentError);
      expect(String(error)).to.contain('readStates: not sent: given up while waiting for its turn (the poll timed out)');
      expect(sent).to.deep.equal(['submit', 'readStates']);
    });
  });

  describe('a request given up before its turn', () => {
    it('is never let out, says so, and leaves its place to the next', async () => {
      const { pacer, sent, permits, take, settle } = pacerOnClock({ initialLimit: 1 });
      void take('submit', 'first');
      await settle();
      const controller = new AbortController();
      const givenUp = take('submit', 'given up', controller.signal).then(() => 'sent', (e: unknown) => e);
      void take('submit', 'next');
      await settle();
      controller.abort();
      expect(await givenUp).to.be.instanceOf(NotSentError);
      expect(pacer.report().queued).to.equal(1);
      permits.get('first')!.release();
      await settle();
      expect(sent).to.deep.equal(['first', 'next']);
    });

    it('already given up: rejected at once', async () => {
      const { pacer, take } = pacerOnClock();
      const error = await take('cancel', 'late', AbortSignal.abort()).then(() => undefined, (e: unknown) => e);
      expect(String(error)).to.match(/^NotSentError: cancel: not sent/);
      expect(pacer.report().inFlight).to.equal(0);
    });
  });
});
