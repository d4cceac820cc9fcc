import { expect } from 'chai';
import fc from 'fast-check';
import type { Command } from '../../../lib/core/commands.js';
import type { DeployerEvent } from '../../../lib/core/events.js';
import type { FailureKind } from '../../../lib/core/failure.js';
import { createReducer } from '../../../lib/core/reducer.js';
import { JOURNAL_FORMAT, journalHeader, parseJournalLine, replayJournal } from '../../../lib/core/replay.js';
import type { SlurmJob } from '../../../lib/core/slurm-job.js';
import { initialWorld, type ReducerSettings } from '../../../lib/core/world.js';
import { entry, job, settings } from '../../support/fixtures.js';

const T0 = 1_800_000_000_000;

/** What the live deployer writes: a header, then each event with the commands the reducer returned. */
function record(events: readonly DeployerEvent[], with_: ReducerSettings = settings): { lines: string[]; commands: Command[] } {
  const reduce = createReducer(with_);
  let world = initialWorld;
  const lines = [JSON.stringify(journalHeader(with_))];
  const commands: Command[] = [];
  for (const event of events) {
    const step = reduce(world, event);
    world = step.world;
    commands.push(...step.commands);
    lines.push(JSON.stringify({ event, commands: step.commands }));
  }
  return { lines, commands };
}

/** A deployment submitted, run, then deleted while running: polls, a submit, state writes, a cancel. */
const lifecycle: DeployerEvent[] = [
  { type: 'tick', now: T0 },
  { type: 'configListed', deployments: [entry('d1')], invalid: [] },
  { type: 'jobsPolled', pollId: 1, jobs: [] },
  { type: 'jobSubmitted', id: 'd1', submitId: 'r10', jobId: 17 },
  { type: 'stateWritten', id: 'd1', state: { status: 'PENDING', generation: 1 } },
  { type: 'tick', now: T0 + 10_000 },
  { type: 'jobsPolled', pollId: 2, jobs: [job(17, 'd1', 'RUNNING')] },
  { type: 'deploymentDeleted', id: 'd1' },
  { type: 'jobCancelled', id: 'd1', jobId: 17 },
];

const replayedCommands = (lines: readonly string[]) => replayJournal(lines).steps.flatMap((s) => s.commands);
const withLine = (lines: string[], index: number, edit: (line: { event: DeployerEvent; commands: Command[] }) => unknown) =>
  lines.map((text, i) => (i === index ? JSON.stringify(edit(JSON.parse(text) as { event: DeployerEvent; commands: Command[] })) : text));

describe('journal replay', () => {
  it('reissues the recorded commands, step by step, and finds no difference', () => {
    const { lines, commands } = record(lifecycle);
    const result = replayJournal(lines);
    expect(result.mismatch).to.equal(undefined);
    expect(result.mismatches).to.equal(0);
    expect(result.steps.map((s) => s.lineNumber)).to.deep.equal(lifecycle.map((_, i) => i + 2));
    expect(result.steps.flatMap((s) => s.commands)).to.deep.equal(commands);
    expect(commands.map((c) => c.type)).to.include.members(['pollJobs', 'submitJob', 'writeState', 'cancelJob']);
  });

  it('names the first line whose commands differ, counts every such line, and goes on', () => {
    const { lines } = record(lifecycle);
    const submitLine = lines.findIndex((l) => l.includes('"submitJob"'));
    const cancelLine = lines.findIndex((l) => l.includes('"cancelJob"'));
    let tampered = withLine(lines, submitLine, (l) => ({ ...l, commands: l.commands.filter((c) => c.type !== 'writeState') }));
    tampered = withLine(tampered, cancelLine, (l) => ({ ...l, commands: [] }));
    const result = replayJournal(tampered);
    expect(result.mismatch?.lineNumber).to.equal(submitLine + 1);
    expect(result.mismatch?.reason).to.match(/^jobsPolled: recorded .*replayed .*writeState/);
    expect(result.mismatches).to.equal(2);
    expect(result.steps.flatMap((s) => s.commands)).to.deep.equal(record(lifecycle).commands);
  });

  it('replays with the settings of the header: other settings, other commands', () => {
    const { lines } = record(lifecycle);
    const otherLabel: ReducerSettings = { ...settings, job: { ...settings.job, label: 'sdp_slurm_deployer_other_ns' } };
    const header = JSON.stringify(journalHeader(otherLabel));
    const result = replayJournal([header, ...lines.slice(1)]);
    expect(result.mismatch?.reason).to.match(/^jobsPolled: /);
  });

  it('compares commands as JSON: key order and undefined fields do not matter', () => {
    const { lines } = record(lifecycle);
    const submitLine = lines.findIndex((l) => l.includes('"submitJob"'));
    const reordered = withLine(lines, submitLine, (l) => ({
      event: l.event,
      commands: l.commands.map((c) => Object.fromEntries(Object.entries(c).reverse())),
    }));
    expect(replayJournal(reordered).mismatch).to.equal(undefined);
  });

  it('starts again from the initial world at each header (a file appended by several runs)', () => {
    const first = record(lifecycle);
    const second = record([{ type: 'tick', now: T0 + 99_000 }]);
    const result = replayJournal([...first.lines, ...second.lines]);
    expect(result.mismatch).to.equal(undefined);
    // The second run polls with poll id 1 again: it did not inherit the first run's world.
    expect(result.steps.at(-1)?.commands).to.deep.equal([{ type: 'pollJobs', pollId: 1 }]);
  });

  it('skips blank lines, counting them in line numbers', () => {
    const { lines } = record(lifecycle);
    const spaced = [lines[0]!, '', ...lines.slice(1), ''];
    const result = replayJournal(spaced);
    expect(result.mismatch).to.equal(undefined);
    expect(result.steps[0]?.lineNumber).to.equal(3);
  });

  it('replays a recorded fault as a fault, and a fault that no longer happens as a difference', () => {
    const bogus = { type: 'bogus' } as unknown as DeployerEvent; // the reducer throws on it
    const { lines } = record([{ type: 'tick', now: T0 }]);
    let thrown = '';
    try {
      createReducer(settings)(initialWorld, bogus);
    } catch (error) {
      thrown = `${(error as Error).name}: ${(error as Error).message}`;
    }
    const faulty = [...lines, JSON.stringify({ event: bogus, fault: thrown })];
    const replayed = replayJournal(faulty);
    expect(replayed.mismatch).to.equal(undefined);
    expect(replayed.steps.at(-1)).to.deep.include({ fault: thrown, commands: [] });

    const noLongerFaulty = [...lines, JSON.stringify({ event: { type: 'tick', now: T0 + 1 }, fault: thrown })];
    expect(replayJournal(noLongerFaulty).mismatch).to.deep.equal({
      lineNumber: 3,
      reason: `tick: recorded a fault (${thrown}), replay returned []`,
    });
  });

  describe('lines it cannot use', () => {
    const { lines } = record(lifecycle);

    it('a line cut short', () => {
      const cut = [...lines.slice(0, 4), lines[4]!.slice(0, 20)];
      expect(replayJournal(cut).mismatch).to.deep.equal({ lineNumber: 5, reason: 'unreadable line: not JSON (a line cut short?)' });
    });

    it('a step before any header', () => {
      expect(replayJournal(lines.slice(1)).mismatch).to.deep.equal({
        lineNumber: 1,
        reason: 'a step before any header: a journal begins with a header',
      });
    });

    it('an empty journal', () => {
      expect(replayJournal(['']).mismatch).to.deep.equal({ lineNumber: 1, reason: 'empty: not even a header' });
    });

    it('a journal of another version or another program', () => {
      expect(parseJournalLine(JSON.stringify({ journal: JOURNAL_FORMAT, version: 2, settings }))).to.deep.equal({
        ok: false,
        reason: 'journal version 2 is not supported (this replay reads 1)',
      });
      expect(parseJournalLine(JSON.stringify({ journal: 'something-else', version: 1, settings })).ok).to.equal(false);
      expect(parseJournalLine('{"commands": []}')).to.deep.equal({ ok: false, reason: 'neither a header nor a step: no event' });
      expect(parseJournalLine('{"event": {"type": "tick", "now": 1}}')).to.deep.equal({ ok: false, reason: 'a step without commands' });
    });
  });

  it('replays any run identically once it went through JSON (random runs against a simulated Slurm)', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 80 }), (actions) => {
        const { events, commands } = simulate(actions);
        const lines = [JSON.stringify(journalHeader(settings)), ...events.map((e, i) => JSON.stringify({ event: e, commands: commands[i] }))];
        const result = replayJournal(lines);
        expect(result.mismatch).to.equal(undefined);
        expect(JSON.parse(JSON.stringify(replayedCommands(lines)))).to.deep.equal(JSON.parse(JSON.stringify(commands.flat())));
      }),
      { numRuns: 200 },
    );
  });
});

// A small simulation of the loop: the reducer's commands wait in a queue; actions answer them
// (well or badly), move the clock, change the Config DB, and change or lose Slurm's jobs.

type Action =
  | { readonly k: 'tick'; readonly dt: number }
  | { readonly k: 'put'; readonly id: string; readonly revision: number; readonly bad: boolean }
  | { readonly k: 'delete'; readonly id: string }
  | { readonly k: 'list' }
  | { readonly k: 'answer'; readonly i: number; readonly outcome: 'ok' | FailureKind }
  | { readonly k: 'jobState'; readonly i: number; readonly base: string }
  | { readonly k: 'vanish'; readonly i: number };

const ids = fc.constantFrom('d1', 'd2', 'pb-test-20240101-abc-d3');
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant('tick' as const), dt: fc.integer({ min: 0, max: 20_000 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('put' as const), id: ids, revision: fc.integer({ min: 1, max: 9 }), bad: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('delete' as const), id: ids }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('list' as const) }) },
  {
    weight: 8,
    arbitrary: fc.record({
      k: fc.constant('answer' as const),
      i: fc.nat(),
      outcome: fc.constantFrom('ok' as const, 'ok' as const, 'ok' as const, 'transient' as const, 'permanent' as const, 'unknown-outcome' as const, 'auth' as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('jobState' as const), i: fc.nat(), base: fc.constantFrom('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'WEIRD') }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('vanish' as const), i: fc.nat() }) },
);

function simulate(actions: readonly Action[]): { events: DeployerEvent[]; commands: Command[][] } {
  const reduce = createReducer(settings);
  let world = initialWorld;
  let now = T0;
  let nextJobId = 100;
  const config = new Map<string, ReturnType<typeof entry>>();
  const slurm = new Map<number, SlurmJob>();
  const pending: Command[] = [];
  const events: DeployerEvent[] = [];
  const commands: Command[][] = [];
  const feed = (event: DeployerEvent) => {
    const step = reduce(world, event);
    world = step.world;
    events.push(event);
    commands.push([...step.commands]);
    pending.push(...step.commands);
  };
  const failure = (kind: FailureKind) => ({ kind, message: `simulated ${kind}` });
  const nth = <T>(items: readonly T[], i: number): T | undefined => (items.length === 0 ? undefined : items[i % items.length]);

  // Started: listed with one deployment, and the first poll answered, so decisions begin at once.
  config.set('d1', entry('d1'));
  feed({ type: 'tick', now });
  feed({ type: 'configListed', deployments: [...config.values()], invalid: [] });
  feed(answer(pending.shift()!, 'ok'));

  for (const a of actions) {
    switch (a.k) {
      case 'tick':
        now += a.dt;
        feed({ type: 'tick', now });
        break;
      case 'put': {
        const args = a.bad ? { nodes: 'many' } : { script: `#!/bin/bash\necho ${a.revision}\n` };
        const e = entry(a.id, args, a.revision);
        config.set(a.id, e);
        feed({ type: 'deploymentPut', deployment: e });
        break;
      }
      case 'delete':
        config.delete(a.id);
        feed({ type: 'deploymentDeleted', id: a.id });
        break;
      case 'list':
        feed({ type: 'configListed', deployments: [...config.values()], invalid: [] });
        break;
      case 'jobState':
      case 'vanish': {
        const jobId = nth([...slurm.keys()], a.i);
        if (jobId === undefined) break;
        if (a.k === 'vanish') slurm.delete(jobId);
        else slurm.set(jobId, { ...slurm.get(jobId)!, state: { base: a.base, flags: [] }, ...(a.base === 'FAILED' ? { exitCode: { status: 3, signal: 0 } } : {}) });
        break;
      }
      case 'answer': {
        if (pending.length === 0) break;
        const [c] = pending.splice(a.i % pending.length, 1);
        if (c !== undefined) feed(answer(c, a.outcome));
        break;
      }
    }
  }
  return { events, commands };

  function answer(c: Command, outcome: 'ok' | FailureKind): DeployerEvent {
    const ok = outcome === 'ok';
    switch (c.type) {
      case 'pollJobs':
        return ok ? { type: 'jobsPolled', pollId: c.pollId, jobs: [...slurm.values()] } : { type: 'pollFailed', pollId: c.pollId, failure: failure(outcome) };
      case 'submitJob': {
        if (ok || outcome === 'unknown-outcome') {
          const jobId = nextJobId++;
          slurm.set(jobId, { jobId, name: c.spec.name, mcsLabel: c.spec.mcsLabel, comment: c.spec.comment, state: { base: 'PENDING', flags: [] }, reason: 'None' });
          if (ok) return { type: 'jobSubmitted', id: c.id, submitId: c.submitId, jobId };
        }
        return { type: 'submitFailed', id: c.id, submitId: c.submitId, failure: failure(outcome as FailureKind) };
      }
      case 'lookupJob': {
        const found = slurm.get(c.jobId);
        if (!ok) return { type: 'lookupFailed', id: c.id, jobId: c.jobId, failure: failure(outcome) };
        return { type: 'jobLookedUp', id: c.id, jobId: c.jobId, ...(found === undefined ? {} : { job: found }) };
      }
      case 'cancelJob': {
        const found = slurm.get(c.jobId);
        if (!ok) return { type: 'cancelFailed', id: c.id, jobId: c.jobId, failure: failure(outcome) };
        if (found !== undefined) slurm.set(c.jobId, { ...found, state: { base: 'CANCELLED', flags: [] } });
        return { type: 'jobCancelled', id: c.id, jobId: c.jobId };
      }
      case 'writeState':
        return ok ? { type: 'stateWritten', id: c.id, state: c.state } : { type: 'stateWriteFailed', id: c.id, state: c.state, failure: failure(outcome) };
      case 'deleteState':
        return ok ? { type: 'stateDeleted', id: c.id } : { type: 'stateDeleteFailed', id: c.id, failure: failure(outcome) };
      case 'pollStates': {
        const asked = new Set(c.jobIds);
        const states = [...slurm.values()].filter((j) => asked.has(j.jobId)).map((j) => ({ jobId: j.jobId, state: j.state }));
        return ok ? { type: 'statesPolled', pollId: c.pollId, states } : { type: 'statesPollFailed', pollId: c.pollId, failure: failure(outcome) };
      }
      case 'writeWatermark':
        return ok ? { type: 'watermarkWritten', watermark: c.watermark } : { type: 'watermarkWriteFailed', watermark: c.watermark, failure: failure(outcome) };
      case 'recordJobs':
        return ok ? { type: 'jobsRecorded', add: c.add, remove: c.remove } : { type: 'jobsRecordFailed', add: c.add, remove: c.remove, failure: failure(outcome) };
    }
  }
}
