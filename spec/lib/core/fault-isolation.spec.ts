import { expect } from 'chai';
import { createReducer } from '../../../lib/core/reducer.js';
import { initialWorld } from '../../../lib/core/world.js';
import { entry, job, settings } from '../../support/fixtures.js';
import { g1, ofType, Run, started, T0 } from '../../support/reducer-run.js';

/** `[[[...]]]`, `depth` arrays deep: what overflowed the stack of canonical JSON before. */
function nested(depth: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** Args whose `script` throws when read: stands for any bug met while handling one deployment. */
function throwingArgs(): Record<string, unknown> {
  const args = {};
  Object.defineProperty(args, 'script', { enumerable: true, get: () => { throw new TypeError('boom while reading script'); } });
  return args;
}

describe('reducer fault isolation', () => {
  it('fails a deployment whose args nest 5,000 deep, naming the limit, and runs the others', () => {
    const { first } = started([entry('deep', { command: nested(5000) }), entry('ok')]);
    expect(ofType(first, 'submitJob').map((c) => c.id)).to.deep.equal(['ok']);
    const deep = ofType(first, 'writeState').find((c) => c.id === 'deep');
    expect(deep?.state).to.deep.equal(g1({ status: 'FAILED', reason: 'args.command: nests deeper than 64 levels' }));
  });

  it('fails a deployment whose args are larger than 5 MiB in all, naming the largest field', () => {
    const mb = 'x'.repeat(1024 * 1024);
    const { first } = started([entry('big', { script: '#!/bin/bash\ntrue\n', a: mb, b: mb, c: mb, d: mb, e: `${mb}${mb}` })]);
    expect(ofType(first, 'submitJob')).to.deep.equal([]);
    expect(ofType(first, 'writeState')[0]?.state.reason).to.match(/^args\.e: larger than the 5242880 bytes args may take in all \(\d+\)$/);
  });

  it('takes args of 64 levels, and fails them at 65', () => {
    // args is the first level; `extra` holds the rest.
    const { first } = started([entry('at', { extra: nested(63) }), entry('over', { extra: nested(64) })]);
    const reasons = Object.fromEntries(ofType(first, 'writeState').map((c) => [c.id, c.state.reason]));
    expect(reasons.over).to.equal('args.extra: nests deeper than 64 levels');
    expect(reasons.at).to.match(/^args\.extra: unknown field; accepted: script, command, /);
  });

  it('fails a deployment whose handling throws, as an internal error, and goes on with the others', () => {
    const { first } = started([entry('bad', throwingArgs()), entry('ok')]);
    expect(ofType(first, 'submitJob').map((c) => c.id)).to.deep.equal(['ok']);
    const bad = ofType(first, 'writeState').find((c) => c.id === 'bad');
    expect(bad?.state.status).to.equal('FAILED');
    expect(bad?.state.reason).to.equal('internal error: TypeError: boom while reading script');
  });

  it('counts faulted deployments in the world, and forgets one whose args are put anew', () => {
    const { run } = started([entry('bad', throwingArgs())]);
    expect(run.world.faulted).to.equal(1);
    const fixed = run.feed({ type: 'deploymentPut', deployment: entry('bad', { script: '#!/bin/bash\ntrue\n' }, 11) });
    expect(run.world.faulted).to.equal(0);
    expect(ofType(fixed, 'submitJob').map((c) => c.submitId)).to.deep.equal(['r11']);
  });

  it('neither follows nor cancels the job of a faulted deployment', () => {
    const run = new Run();
    run.feed({ type: 'configListed', deployments: [entry('bad', throwingArgs())], invalid: [] });
    const first = run.poll(T0, job(5, 'bad', 'RUNNING'));
    expect(ofType(first, 'cancelJob')).to.deep.equal([]);
    expect(ofType(first, 'submitJob')).to.deep.equal([]);
  });

  it('a listing with one poisoned entry lists the rest, after a restart as at start', () => {
    const reduce = createReducer(settings);
    let world = reduce(initialWorld, { type: 'tick', now: T0 }).world;
    world = reduce(world, { type: 'configListed', deployments: [entry('a'), entry('deep', { command: nested(10_000) }), entry('b')], invalid: [] }).world;
    const step = reduce(world, { type: 'jobsPolled', pollId: 1, jobs: [] });
    expect(ofType([...step.commands], 'submitJob').map((c) => c.id)).to.deep.equal(['a', 'b']);
  });
});
