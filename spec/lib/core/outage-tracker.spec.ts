// The outage tracker: what any sequence of attempts over time makes it write. Properties over
// random runs (results and gaps between them), and the cases an operator reads.

import { expect } from 'chai';
import fc from 'fast-check';
import { OUTAGE_POLICY, UP, outageDuration, repeatAfter, trackOutage, type OutageAttempt, type OutageNote, type OutageState } from '../../../lib/core/outage-tracker.js';

const fail = (problem = 'cannot reach it'): OutageAttempt => ({ ok: false, problem });
const ok: OutageAttempt = { ok: true };

interface Written {
  readonly at: number;
  readonly note: OutageNote;
}

/** Runs attempts at the given times from UP; what was written, and the state at the end. */
function run(attempts: readonly (readonly [number, OutageAttempt])[]): { written: Written[]; state: OutageState } {
  let state: OutageState = UP;
  const written: Written[] = [];
  for (const [at, attempt] of attempts) {
    const step = trackOutage(state, attempt, at);
    state = step.state;
    if (step.note !== undefined) written.push({ at, note: step.note });
  }
  return { written, state };
}

/** Attempts at rising times: gaps of 0 to 3 minutes, failing or not. */
const attemptsArb = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 180_000 }), fc.boolean()), { maxLength: 300 })
  .map((steps) => {
    let at = 1_000_000;
    return steps.map(([gap, good]) => {
      at += gap;
      return [at, good ? ok : fail(`failure at ${at}`)] as const;
    });
  });

describe('outage tracker', () => {
  it('warns at the first failure, and says nothing while it answers', () => {
    const { written } = run([
      [0, ok],
      [1000, ok],
      [2000, fail('etcd refused')],
    ]);
    expect(written).to.deep.equal([{ at: 2000, note: { kind: 'began', problem: 'etcd refused' } }]);
  });

  it('repeats a lasting outage once a minute at first, then with backoff, with the count and how long', () => {
    // A failure every 500 ms for 10 minutes.
    const attempts = Array.from({ length: 1200 }, (_, i) => [i * 500, fail(`try ${i + 1}`)] as const);
    const { written } = run(attempts);
    expect(written.map((w) => w.at)).to.deep.equal([0, 60_000, 180_000, 420_000]);
    expect(written[1]?.note).to.deep.equal({ kind: 'lasts', problem: 'try 121', failures: 121, downMs: 60_000 });
    expect(written[3]?.note).to.include({ failures: 841, downMs: 420_000 });
  });

  it('tells the end of an outage once, with its length and its failures, and a new one from the start', () => {
    const { written } = run([
      [10_000, fail()],
      [20_000, fail()],
      [95_500, ok],
      [96_000, ok],
      [100_000, fail('again')],
    ]);
    expect(written.map((w) => w.note)).to.deep.equal([
      { kind: 'began', problem: 'cannot reach it' },
      { kind: 'ended', failures: 2, downMs: 85_500 },
      { kind: 'began', problem: 'again' },
    ]);
  });

  it('property: a warning at each outage start, an INFO at each end, and never two warnings within a minute', () => {
    fc.assert(
      fc.property(attemptsArb, (attempts) => {
        const { written } = run(attempts);
        // Outages as the attempts make them: a run of failures, ended by a success.
        let down = false;
        let starts = 0;
        let ends = 0;
        for (const [, attempt] of attempts) {
          if (!attempt.ok && !down) starts++;
          if (attempt.ok && down) ends++;
          down = !attempt.ok;
        }
        expect(written.filter((w) => w.note.kind === 'began')).to.have.length(starts);
        expect(written.filter((w) => w.note.kind === 'ended')).to.have.length(ends);
        // Warnings within one outage are at least a minute apart.
        let lastWarning: number | undefined;
        for (const w of written) {
          if (w.note.kind === 'began') lastWarning = w.at;
          else if (w.note.kind === 'lasts') {
            expect(w.at - (lastWarning ?? -Infinity)).to.be.at.least(OUTAGE_POLICY.firstRepeatMs);
            lastWarning = w.at;
          }
        }
      }),
    );
  });

  it('property: each note counts the failures and the time since the outage began', () => {
    fc.assert(
      fc.property(attemptsArb, (attempts) => {
        let since: number | undefined;
        let failures = 0;
        let state: OutageState = UP;
        for (const [at, attempt] of attempts) {
          const step = trackOutage(state, attempt, at);
          state = step.state;
          if (!attempt.ok) {
            since ??= at;
            failures++;
          }
          const note = step.note;
          if (note?.kind === 'lasts') expect(note).to.include({ failures, downMs: at - (since ?? at), problem: attempt.ok ? undefined : attempt.problem });
          if (note?.kind === 'ended') expect(note).to.deep.equal({ kind: 'ended', failures, downMs: at - (since ?? at) });
          if (attempt.ok) {
            since = undefined;
            failures = 0;
          }
        }
      }),
    );
  });

  it('property: a lasting outage is repeated within its backoff (never silent longer than the cap)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 30_000 }), fc.integer({ min: 10, max: 400 }), (everyMs, count) => {
        const { written } = run(Array.from({ length: count }, (_, i) => [i * everyMs, fail()] as const));
        for (let i = 1; i < written.length; i++) {
          const gap = (written[i]?.at ?? 0) - (written[i - 1]?.at ?? 0);
          expect(gap).to.be.at.most(repeatAfter(i, OUTAGE_POLICY) + everyMs);
        }
        const last = written.at(-1)?.at ?? 0;
        expect((count - 1) * everyMs - last).to.be.at.most(OUTAGE_POLICY.maxRepeatMs + everyMs);
      }),
    );
  });

  it('does not go silent for hours when the clock is set back during an outage: it repeats at once, then by its backoff', () => {
    const { written } = run([
      [10_000_000, fail()],
      [1_000, fail()],
      [62_000, fail()],
      [122_000, fail()],
    ]);
    expect(written.map((w) => w.at)).to.deep.equal([10_000_000, 1_000, 122_000]);
  });

  it('says durations in the two largest units', () => {
    expect([outageDuration(999), outageDuration(45_400), outageDuration(185_000), outageDuration(7_440_000)]).to.deep.equal(['1s', '45s', '3m05s', '2h04m']);
  });
});
