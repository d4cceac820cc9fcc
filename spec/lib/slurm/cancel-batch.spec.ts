// Cancels made together leave together: one request per turn of the event loop or per request in
// flight, at most maxPerRequest ids each, one in flight at a time, and every caller told its own
// job's outcome (or the request's failure).

import { setImmediate as nextTurn } from 'node:timers/promises';
import { expect } from 'chai';
import fc from 'fast-check';
import { CancelBatch } from '../../../lib/slurm/cancel-batch.js';

/** A send whose requests the spec answers by hand. */
class Wire {
  readonly sent: number[][] = [];
  readonly #pending: { resolve: (failures: Map<number, Error>) => void; reject: (e: Error) => void }[] = [];
  inFlight = 0;
  maxInFlight = 0;

  readonly send = (ids: readonly number[]) => {
    this.sent.push([...ids]);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise<Map<number, Error>>((resolve, reject) => this.#pending.push({ resolve, reject })).finally(() => this.inFlight--);
  };

  answer(failures = new Map<number, Error>()): void {
    this.#pending.shift()!.resolve(failures);
  }

  fail(error: Error): void {
    this.#pending.shift()!.reject(error);
  }
}

const settled = (p: Promise<void>) =>
  p.then(
    () => 'ok',
    (e: Error) => e.message,
  );

describe('CancelBatch', () => {
  it('cancels of one turn go out as one request; each caller hears its own outcome', async () => {
    const wire = new Wire();
    const batch = new CancelBatch(wire.send);
    const outcomes = [1, 2, 3].map((id) => settled(batch.cancel(id)));
    await nextTurn();
    expect(wire.sent).to.deep.equal([[1, 2, 3]]);
    wire.answer(new Map([[2, new Error('Invalid job id specified')]]));
    expect(await Promise.all(outcomes)).to.deep.equal(['ok', 'Invalid job id specified', 'ok']);
  });

  it('cancels made while a request is in flight wait for it, then leave together; the same id twice is sent once, both callers told', async () => {
    const wire = new Wire();
    const batch = new CancelBatch(wire.send);
    const first = settled(batch.cancel(1));
    await nextTurn();
    const later = [2, 3].map((id) => settled(batch.cancel(id)));
    await nextTurn();
    const again = settled(batch.cancel(3));
    await nextTurn();
    expect(wire.sent).to.deep.equal([[1]]);
    wire.answer();
    expect(await first).to.equal('ok');
    await nextTurn();
    expect(wire.sent).to.deep.equal([[1], [2, 3]]);
    wire.answer(new Map([[3, new Error('gone')]]));
    expect(await Promise.all([...later, again])).to.deep.equal(['ok', 'gone', 'gone']);
  });

  it('a failed request fails every caller of it, and the next request still goes', async () => {
    const wire = new Wire();
    const batch = new CancelBatch(wire.send);
    const outcomes = [4, 5].map((id) => settled(batch.cancel(id)));
    await nextTurn();
    const next = settled(batch.cancel(6));
    wire.fail(new Error('cancel: slurmrestd unreachable'));
    expect(await Promise.all(outcomes)).to.deep.equal(['cancel: slurmrestd unreachable', 'cancel: slurmrestd unreachable']);
    await nextTurn();
    wire.answer();
    expect(await next).to.equal('ok');
    expect(wire.sent).to.deep.equal([[4, 5], [6]]);
  });

  it('a send that throws fails its callers like a rejection', async () => {
    const batch = new CancelBatch(() => {
      throw new Error('no body for you');
    });
    expect(await settled(batch.cancel(1))).to.equal('no body for you');
  });

  it('any arrival pattern: each id sent once per wave, at most max per request, one request in flight, every caller settled', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 12 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 5 }), async (waves, max) => {
        const wire = new Wire();
        const batch = new CancelBatch(wire.send, max);
        const outcomes: Promise<string>[] = [];
        for (const wave of waves) {
          for (const id of wave) outcomes.push(settled(batch.cancel(id)));
          await nextTurn();
          if (wire.inFlight > 0) wire.answer(new Map([[7, new Error('unknown')]]));
          await nextTurn();
        }
        while (wire.inFlight > 0) {
          wire.answer(new Map([[7, new Error('unknown')]]));
          await nextTurn();
        }
        const results = await Promise.all(outcomes);
        const ids = waves.flat();
        expect(results).to.deep.equal(ids.map((id) => (id === 7 ? 'unknown' : 'ok')));
        expect(wire.maxInFlight).to.be.at.most(1);
        for (const request of wire.sent) {
          expect(request.length).to.be.within(1, max);
          expect(new Set(request).size).to.equal(request.length);
        }
        expect(new Set(wire.sent.flat())).to.deep.equal(new Set(ids));
      }),
      { numRuns: 60 },
    );
  });
});
