// The pieces deployer() is wired from, each alone: its batches (used up by count or by time, a
// fresh one once the event loop had a turn), its command lanes (each as wide as set, in-flight
// counted, only drain commands once stopping), and its steps (one event at a time, an outcome
// reported during a step queued behind it, a reducer fault skipped, a yield when the batch is used).

import { expect } from 'chai';
import { Subject, Subscription, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { Command } from '../../../lib/core/commands.js';
import type { DeployerEvent } from '../../../lib/core/events.js';
import type { JobSpec } from '../../../lib/core/slurm-job.js';
import { initialWorld, type World } from '../../../lib/core/world.js';
import { Batches } from '../../../streams/loop/batches.js';
import { CommandLanes } from '../../../streams/loop/command-lanes.js';
import { DEFAULT_LANES } from '../../../streams/loop/command-table.js';
import { StepLoop, type StepOutlet } from '../../../streams/loop/step-loop.js';

const tick = (now: number): DeployerEvent => ({ type: 'tick', now });
const submit = (id: string): Command => ({ type: 'submitJob', id, submitId: 'r1', spec: { name: id } as JobSpec });
const write = (id: string): Command => ({ type: 'writeState', id, state: { status: 'PENDING' } as never });

describe('the loop pieces', () => {
  describe('Batches', () => {
    it('takes `events` events into a batch, then none until the event loop had a turn', () => {
      const batches = new Batches({ events: 2, ms: 1e9 }, undefined, new Subscription());
      const batch = batches.current();
      expect([batch.take(), batch.take(), batch.take()]).to.deep.equal([true, true, false]);
      expect(batches.current().take()).to.equal(false);
    });

    it('is used up by time too, and a fresh one opens once the frame it began in has gone by (a virtual scheduler)', () => {
      const scheduler = new TestScheduler(() => undefined);
      const seen: [number, boolean, boolean][] = [];
      scheduler.run(() => {
        const batches = new Batches({ events: 1000, ms: 5 }, scheduler, new Subscription());
        const first = batches.current();
        const at = (frame: number) => scheduler.schedule(() => seen.push([frame, first.take(), batches.current().take()]), frame);
        seen.push([0, first.take(), batches.current().take()]);
        at(3);
        at(6);
      });
      // [frame, the batch of frame 0 takes, the batch current then takes]
      expect(seen).to.deep.equal([
        [0, true, true],
        [3, true, true],
        [6, false, true],
      ]);
    });

    it('resumes after a yield, later and in a fresh batch; unsubscribing drops a pending resume', async () => {
      const held = new Subscription();
      const batches = new Batches({ events: 1, ms: 1e9 }, undefined, held);
      const first = batches.current();
      expect([first.take(), first.take()]).to.deep.equal([true, false]);
      const resumed: boolean[] = [];
      batches.yieldThen(() => resumed.push(batches.current().take()));
      expect(resumed).to.deep.equal([]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(resumed).to.deep.equal([true]);
      batches.yieldThen(() => resumed.push(true));
      held.unsubscribe();
      await new Promise((resolve) => setImmediate(resolve));
      expect(resumed).to.deep.equal([true]);
    });
  });

  describe('CommandLanes', () => {
    const rig = (widths = { ...DEFAULT_LANES, submit: 2 }) => {
      const running = new Map<string, Subject<DeployerEvent>>();
      const answered: DeployerEvent[] = [];
      const run = (command: Command): Observable<DeployerEvent> => {
        const answer = new Subject<DeployerEvent>();
        running.set(command.type === 'submitJob' || command.type === 'writeState' ? command.id : command.type, answer);
        return answer;
      };
      const lanes = new CommandLanes(widths, run, (event) => answered.push(event), new Subscription());
      const finish = (key: string) => {
        const answer = running.get(key);
        answer?.next(tick(0));
        answer?.complete();
      };
      return { lanes, running, answered, finish };
    };

    it('runs as many commands of a lane at once as it is wide, counts those in flight, and hands on each answer', () => {
      const { lanes, running, answered, finish } = rig();
      for (const id of ['a', 'b', 'c']) lanes.dispatch(submit(id));
      lanes.dispatch({ type: 'pollJobs', pollId: 1 });
      expect([...running.keys()]).to.deep.equal(['a', 'b', 'pollJobs']);
      expect(lanes.idle).to.equal(false);
      finish('a');
      expect([...running.keys()]).to.deep.equal(['a', 'b', 'pollJobs', 'c']);
      for (const key of ['b', 'c', 'pollJobs']) finish(key);
      expect(answered).to.have.length(4);
      expect(lanes.idle).to.equal(true);
    });

    it('once stopping, carries out only the commands that drain (state writes)', () => {
      const { lanes, running } = rig();
      lanes.stop();
      lanes.dispatch(submit('a'));
      lanes.dispatch(write('w'));
      expect([lanes.stopping, [...running.keys()]]).to.deep.equal([true, ['w']]);
    });
  });

  describe('StepLoop', () => {
    const rig = (reduce: (world: World, event: DeployerEvent) => readonly Command[], limits = { events: 1000, ms: 1e9 }) => {
      const said: string[] = [];
      const held = new Subscription();
      let loop: StepLoop | undefined;
      const outlet: StepOutlet = {
        step: (event) => said.push(`step ${event.type === 'tick' ? event.now : event.type}`),
        fault: (event) => said.push(`fault ${event.type === 'tick' ? event.now : event.type}`),
        // A sink that answers at once, during the step.
        dispatch: (command) => {
          said.push(`dispatch ${command.type}`);
          loop?.handle(tick(100));
        },
        settled: () => said.push('settled'),
        alive: () => !held.closed,
      };
      let depth = 0;
      loop = new StepLoop(initialWorld, (world, event) => {
        expect(++depth).to.equal(1, 'the reducer re-entered');
        try {
          return { world, commands: reduce(world, event) };
        } finally {
          depth--;
        }
      }, new Batches(limits, undefined, held), outlet);
      return { loop, said, held };
    };

    it('handles an outcome reported during a step after that step and its other commands, never re-entering the reducer', () => {
      const { loop, said } = rig((_, event) => (event.type === 'tick' && event.now === 1 ? [submit('a'), submit('b')] : []));
      loop.handle(tick(1));
      expect(said).to.deep.equal(['step 1', 'dispatch submitJob', 'dispatch submitJob', 'step 100', 'step 100', 'settled']);
      expect(loop.idle).to.equal(true);
    });

    it('skips an event the reducer throws on, as a fault, and goes on', () => {
      const { loop, said } = rig((_, event) => {
        if (event.type === 'tick' && event.now === 2) throw new Error('bug');
        return [];
      });
      loop.handle(tick(2));
      loop.handle(tick(3));
      expect(said).to.deep.equal(['fault 2', 'settled', 'step 3', 'settled']);
    });

    it('yields once the batch is used up, is not idle meanwhile, and goes on in order after the event loop had a turn', async () => {
      const { loop, said } = rig((_, event) => (event.type === 'tick' && event.now === 1 ? [submit('a'), submit('b'), submit('c')] : []), { events: 2, ms: 1e9 });
      loop.handle(tick(1));
      expect(said).to.deep.equal(['step 1', 'dispatch submitJob', 'dispatch submitJob', 'dispatch submitJob', 'step 100']);
      expect(loop.idle).to.equal(false);
      loop.handle(tick(7));
      expect(said).to.have.length(5);
      await new Promise((resolve) => setImmediate(resolve));
      // A fresh batch of 2: the two queued first; the event that came while yielded waits behind them.
      expect([said.slice(5), loop.idle]).to.deep.equal([['step 100', 'step 100'], false]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(said.slice(5)).to.deep.equal(['step 100', 'step 100', 'step 7', 'settled']);
      expect(loop.idle).to.equal(true);
    });
  });
});
