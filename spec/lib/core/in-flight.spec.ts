// Submits named in the watermark before they are sent (WatermarkSettings.inFlightCap): a term
// that follows a crash holds back only the deployments the last one may have left a submit of
// inside slurmrestd, and submits every other at once (issue 19: a deployer killed every 10-20 s
// while it submitted, each new term held 20 s in full, submitted nothing at all).

import { expect } from 'chai';
import type { Command } from '../../../lib/core/commands.js';
import type { DeployerEvent } from '../../../lib/core/events.js';
import type { InFlightSubmit, ReducerSettings, Watermark } from '../../../lib/core/world.js';
import { entry, job } from '../../support/fixtures.js';
import { ofType, T0 } from '../../support/reducer-run.js';
import { STATE_SETTINGS, StateRun } from '../../support/state-run.js';

const NAMED: ReducerSettings = { ...STATE_SETTINGS, watermark: { ...STATE_SETTINGS.watermark!, cleanAtRest: true, inFlightCap: 2 } };
const HOLD = NAMED.watermark!.takeoverHoldMs;

const listed = (ids: string[], watermark?: Watermark): DeployerEvent => ({ type: 'configListed', deployments: ids.map((id) => entry(id)), invalid: [], ...(watermark ? { watermark } : {}) });
const watermarks = (commands: readonly Command[]) => ofType([...commands], 'writeWatermark').map((c) => c.watermark);
const submits = (commands: readonly Command[]) => ofType([...commands], 'submitJob').map((c) => c.id);
const named = (...ids: string[]): InFlightSubmit[] => ids.map((deployment) => ({ deployment, submitId: 'r10' }));
const stateOf = (commands: readonly Command[], id: string) => ofType([...commands], 'writeState').filter((c) => c.id === id).at(-1)?.state;

/** A term that follows one that left `left` in flight: its own watermark written, its first poll asked for. */
function takeover(run: StateRun, ids: string[], left: InFlightSubmit[]): Command[] {
  return [...run.feed({ type: 'tick', now: T0 }), ...run.feed(listed(ids, { floor: 5, clean: false, inFlight: left }))];
}

describe('submits named in the watermark', () => {
  it('sends a submit only once the watermark naming it is acknowledged, at most inFlightCap of its own at once', () => {
    const run = new StateRun({ ackWatermarks: false, ackRegistry: true, settings: NAMED });
    const start = [...run.feed({ type: 'tick', now: T0 }), ...run.feed(listed(['d1', 'd2', 'd3'], { floor: 5, clean: true, inFlight: [] }))];
    expect(watermarks(start)).to.deep.equal([{ floor: 5, clean: false, inFlight: [] }]);
    run.feed({ type: 'watermarkWritten', watermark: { floor: 5, clean: false, inFlight: [] } });

    const first = run.answerPoll(start, []);
    expect(submits(first), 'sent before the watermark names them').to.deep.equal([]);
    expect(watermarks(first)).to.deep.equal([{ floor: 5, clean: false, inFlight: named('d1', 'd2') }]);
    expect(submits(run.feed({ type: 'watermarkWritten', watermark: watermarks(first)[0]! }))).to.deep.equal(['d1', 'd2']);

    // d1 answered: room for d3, named beside d2, which is still unanswered.
    const answered = run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 });
    expect(submits(answered)).to.deep.equal([]);
    expect(watermarks(answered).map((w) => w.inFlight)).to.deep.equal([named('d2', 'd3')]);
    expect(submits(run.feed({ type: 'watermarkWritten', watermark: watermarks(answered)[0]! }))).to.deep.equal(['d3']);
  });

  it('writes the settle time of a submit whose outcome became unknown at once, for the next term to keep', () => {
    const run = new StateRun({ settings: NAMED });
    const start = [...run.feed({ type: 'tick', now: T0 }), ...run.feed(listed(['d1'], { floor: 5, clean: true, inFlight: [] }))];
    expect(submits(run.answerPoll(start, []))).to.deep.equal(['d1']);
    run.feed({ type: 'tick', now: T0 + 1_000 });
    const failed = run.feed({ type: 'submitFailed', id: 'd1', submitId: 'r10', failure: { kind: 'unknown-outcome', message: 'connection reset after sending' } });
    expect(watermarks(failed).map((w) => w.inFlight)).to.deep.equal([[{ deployment: 'd1', submitId: 'r10', settleAt: T0 + 1_000 + NAMED.submitSettleMs! }]]);
  });

  it('keeps a waiter waiting when its write fails, and sends it once a later write is acknowledged', () => {
    const run = new StateRun({ ackWatermarks: false, ackRegistry: true, settings: NAMED });
    const start = [...run.feed({ type: 'tick', now: T0 }), ...run.feed(listed(['d1'], { floor: 5, clean: true, inFlight: [] }))];
    run.feed({ type: 'watermarkWritten', watermark: { floor: 5, clean: false, inFlight: [] } });
    const first = run.answerPoll(start, []);
    const failed = run.feed({ type: 'watermarkWriteFailed', watermark: watermarks(first)[0]!, failure: { kind: 'transient', message: 'timeout after sending' } });
    expect(submits(failed)).to.deep.equal([]);
    const again = run.feed({ type: 'tick', now: T0 + 60_000 });
    expect(watermarks(again).map((w) => w.inFlight)).to.deep.equal([named('d1')]);
    expect(submits(run.feed({ type: 'watermarkWritten', watermark: watermarks(again)[0]! }))).to.deep.equal(['d1']);
  });

  it('after a crash, polls at once and submits every deployment but the ones named, which wait out the takeover hold', () => {
    const run = new StateRun({ settings: NAMED });
    const start = takeover(run, ['d1', 'd2', 'd3'], named('d1'));
    // The term's own watermark names d1 still, with the end of its hold.
    expect(watermarks(start)[0]).to.deep.equal({ floor: 5, clean: false, inFlight: [{ deployment: 'd1', submitId: 'r10', settleAt: T0 + HOLD }] });
    const first = run.answerPoll(start, []);
    expect(submits(first)).to.deep.equal(['d2', 'd3']);
    expect(stateOf(first, 'd1')?.reason).to.match(/outcome of its submit is unknown/);
    // Within the hold, polls show no job of d1: still not submitted.
    run.feed({ type: 'jobSubmitted', id: 'd2', submitId: 'r10', jobId: 8 }, { type: 'jobSubmitted', id: 'd3', submitId: 'r10', jobId: 9 });
    const within = run.poll(T0 + HOLD - 1_000, job(8, 'd2', 'RUNNING'), job(9, 'd3', 'RUNNING'));
    expect(submits(within)).to.deep.equal([]);
    // A poll issued after the hold that shows none tells: no job came of it.
    expect(submits(run.poll(T0 + HOLD + 2_000, job(8, 'd2', 'RUNNING'), job(9, 'd3', 'RUNNING')))).to.deep.equal(['d1']);
  });

  it('adopts the job of a named submit that lands during the hold, and submits nothing for it', () => {
    const run = new StateRun({ settings: NAMED });
    const first = run.answerPoll(takeover(run, ['d1', 'd2'], named('d1')), []);
    expect(submits(first)).to.deep.equal(['d2']);
    const landed = run.poll(T0 + 6_000, job(11, 'd1', 'RUNNING'));
    expect(stateOf(landed, 'd1')).to.include({ status: 'RUNNING', job_id: 11 });
    const later = [...run.poll(T0 + HOLD + 3_000, job(11, 'd1', 'RUNNING')), ...run.poll(T0 + HOLD + 6_000, job(11, 'd1', 'RUNNING'))];
    expect(submits(later)).to.deep.equal([]);
    expect(ofType(later, 'cancelJob')).to.deep.equal([]);
  });

  it('names at most four caps of entries: past that, a new submit waits for the last term\'s to settle', () => {
    const run = new StateRun({ settings: NAMED });
    const left = named('d1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7', 'd8');
    const first = run.answerPoll(takeover(run, [...left.map((e) => e.deployment), 'd9'], left), []);
    expect(submits(first)).to.deep.equal([]);
    expect(submits(run.poll(T0 + HOLD + 2_000))).to.include('d9');
  });

  it('keeps the settle time the last term wrote: the hold is not counted again from this term\'s start', () => {
    const run = new StateRun({ settings: NAMED });
    const first = run.answerPoll(takeover(run, ['d1'], [{ deployment: 'd1', submitId: 'r10', settleAt: T0 + 5_000 }]), []);
    expect(submits(first)).to.deep.equal([]);
    expect(submits(run.poll(T0 + 3_000))).to.deep.equal([]);
    expect(submits(run.poll(T0 + 6_000))).to.deep.equal(['d1']);
  });

  it('cancels the late job of a named deployment that was deleted meanwhile, and removes the entry once it ended', () => {
    const run = new StateRun({ settings: NAMED });
    const first = run.answerPoll(takeover(run, ['d2'], named('gone')), []);
    expect(submits(first)).to.deep.equal(['d2']);
    const landed = run.poll(T0 + 6_000, job(12, 'gone', 'RUNNING'));
    expect(ofType(landed, 'cancelJob').map((c) => [c.jobId, c.why])).to.deep.equal([[12, 'deployment removed']]);
  });

  it('holds the first poll after an unclean stop of a version that named no submits', () => {
    const run = new StateRun({ settings: NAMED });
    const start = [...run.feed({ type: 'tick', now: T0 }), ...run.feed(listed(['d1'], { floor: 5, clean: false }))];
    expect(ofType(start, 'pollStates')).to.deep.equal([]);
    expect(ofType(run.feed({ type: 'tick', now: T0 + HOLD }), 'pollStates')).to.have.length(1);
  });

  it('comes to rest with nothing named: a clean watermark that names nothing', () => {
    const run = new StateRun({ settings: NAMED });
    const start = [...run.feed({ type: 'tick', now: T0 }), ...run.feed(listed(['d1'], { floor: 5, clean: true, inFlight: [] }))];
    const issued = [...start, ...run.answerPoll(start, []), ...run.feed({ type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 7 })];
    expect(watermarks(issued).at(-1)).to.deep.equal({ floor: 7, clean: true, inFlight: [] });
  });
});
