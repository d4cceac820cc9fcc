// A term at rest leaves a clean watermark (WatermarkSettings.cleanAtRest): a leader killed while
// nothing it sent could still make a job costs the next term no takeover hold, and no submit is
// sent while the persisted watermark may say clean.

import { expect } from 'chai';
import type { Command } from '../../../lib/core/commands.js';
import type { DeployerEvent } from '../../../lib/core/events.js';
import type { ReducerSettings, Watermark } from '../../../lib/core/world.js';
import { entry, job } from '../../support/fixtures.js';
import { ofType, T0 } from '../../support/reducer-run.js';
import { STATE_SETTINGS, StateRun } from '../../support/state-run.js';

const AT_REST: ReducerSettings = { ...STATE_SETTINGS, watermark: { ...STATE_SETTINGS.watermark!, cleanAtRest: true } };

const listed = (ids: string[], watermark?: Watermark): DeployerEvent => ({ type: 'configListed', deployments: ids.map((id) => entry(id)), invalid: [], ...(watermark ? { watermark } : {}) });
const watermarks = (commands: readonly Command[]) => ofType([...commands], 'writeWatermark').map((c) => c.watermark);
const submits = (commands: readonly Command[]) => ofType([...commands], 'submitJob').map((c) => c.id);

/** A term that submitted d1 (job 7) and saw it run: at rest. */
function restingTerm(run: StateRun): Command[] {
  const start = [...run.feed({ type: 'tick', now: T0 }), ...run.feed(listed(['d1'], { floor: 5, clean: true }))];
  const first = run.answerPoll(start, []);
  expect(submits(first)).to.deep.equal(['d1']);
  const answered = run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
  return [...start, ...first, ...answered, ...run.poll(T0 + 3_000, job(7, 'd1', 'RUNNING'))];
}

describe('a watermark left clean at rest', () => {
  it('is written clean once every submit is answered and its job recorded, and not again while at rest', () => {
    const run = new StateRun(true, AT_REST);
    const issued = restingTerm(run);
    // The term's own (unclean, before anything is decided), then clean once job 7 is recorded.
    expect(watermarks(issued)).to.deep.equal([{ floor: 5, clean: false }, { floor: 7, clean: true }]);
    expect(watermarks(run.poll(T0 + 6_000, job(7, 'd1', 'RUNNING')))).to.deep.equal([]);
  });

  it('is written unclean before the next submit: the submit waits for that write, then goes', () => {
    const run = new StateRun(false, AT_REST);
    const start = [...run.feed({ type: 'tick', now: T0 }), ...run.feed(listed(['d1'], { floor: 5, clean: true }))];
    run.feed({ type: 'watermarkWritten', watermark: { floor: 5, clean: false } });
    run.answerPoll(start, []);
    // Recorded in the Config DB, job 7 leaves nothing in flight.
    const rest = run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
    expect(watermarks(rest)).to.deep.equal([{ floor: 7, clean: true }]);
    run.feed({ type: 'watermarkWritten', watermark: { floor: 7, clean: true } });

    const put = run.feed({ type: 'deploymentPut', deployment: entry('d2') }, { type: 'deploymentPut', deployment: entry('d3') });
    expect(submits(put), 'sent while the watermark says clean').to.deep.equal([]);
    expect(watermarks(put)).to.deep.equal([{ floor: 7, clean: false }]);
    expect(submits(run.feed({ type: 'watermarkWritten', watermark: { floor: 7, clean: false } }))).to.deep.equal(['d2', 'd3']);
  });

  it('gates submits behind an unclean write when the clean write failed: it may have landed', () => {
    const run = new StateRun(false, AT_REST);
    const start = [...run.feed({ type: 'tick', now: T0 }), ...run.feed(listed(['d1'], { floor: 5, clean: true }))];
    run.feed({ type: 'watermarkWritten', watermark: { floor: 5, clean: false } });
    run.answerPoll(start, []);
    expect(watermarks(run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 }))).to.deep.equal([{ floor: 7, clean: true }]);
    run.feed({ type: 'watermarkWriteFailed', watermark: { floor: 7, clean: true }, failure: { kind: 'transient', message: 'timeout after sending' } });
    const put = run.feed({ type: 'deploymentPut', deployment: entry('d2') });
    expect(submits(put)).to.deep.equal([]);
    // The unclean write waits out the failed write's backoff, as any watermark write does.
    const later = run.feed({ type: 'tick', now: T0 + 60_000 });
    expect(watermarks(later)).to.deep.equal([{ floor: 7, clean: false }]);
    expect(submits(run.feed({ type: 'watermarkWritten', watermark: { floor: 7, clean: false } }))).to.deep.equal(['d2']);
  });

  it('stays unclean while a submit is unanswered or of unknown outcome', () => {
    const run = new StateRun(true, AT_REST);
    const start = [...run.feed({ type: 'tick', now: T0 }), ...run.feed(listed(['d1'], { floor: 5, clean: true }))];
    run.answerPoll(start, []);
    // Unanswered: polls of every job's state come and go.
    expect(watermarks(run.poll(T0 + 10_000))).to.deep.equal([]);
    const failed = run.feed({ type: 'submitFailed', id: 'd1', submitId: 'r10', failure: { kind: 'unknown-outcome', message: 'headers timeout' } });
    expect(watermarks([...failed, ...run.poll(T0 + 20_000), ...run.poll(T0 + 30_000)])).to.deep.equal([]);
  });

  it('lets the next term poll at once after a crash at rest, where an unclean one holds it', () => {
    const clean = new StateRun(true, AT_REST);
    const atOnce = [...clean.feed({ type: 'tick', now: T0 }), ...clean.feed(listed(['d1'], { floor: 7, clean: true }))];
    expect(ofType(atOnce, 'pollStates')).to.have.length(1);
    const unclean = new StateRun(true, AT_REST);
    const held = [...unclean.feed({ type: 'tick', now: T0 }), ...unclean.feed(listed(['d1'], { floor: 7, clean: false }))];
    expect(ofType(held, 'pollStates')).to.deep.equal([]);
  });

  it('is never written clean by a running term without cleanAtRest (journals of earlier versions)', () => {
    const run = new StateRun(true, STATE_SETTINGS);
    const issued = [...restingTerm(run), ...run.poll(T0 + 20_000, job(7, 'd1', 'RUNNING'))];
    expect(watermarks(issued).every((w) => !w.clean)).to.equal(true);
    expect(submits(run.feed({ type: 'deploymentPut', deployment: entry('d2') }))).to.deep.equal(['d2']);
  });
});
