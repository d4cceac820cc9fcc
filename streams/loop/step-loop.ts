// The deployer loop's steps: events handled one at a time, in arrival order. An outcome a sink
// reports synchronously is queued behind the event being handled (as a queue scheduler would), so
// the reducer never re-enters and every run is replayable from its event log. Handles at most a
// batch (streams/loop/batches.ts) in one go, then yields and goes on; events arriving meanwhile
// queue behind, still in arrival order.

import type { Command } from '../../lib/core/commands.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import type { Reducer } from '../../lib/core/reducer.js';
import type { World } from '../../lib/core/world.js';
import type { Batches } from './batches.js';
import { EventQueue } from './event-queue.js';

/** Where a step's results go. */
export interface StepOutlet {
  /** The event handled, the world after it, and the commands the reducer returned. */
  step(event: DeployerEvent, world: World, commands: readonly Command[]): void;
  /** The reducer threw on an event (a bug): the event is skipped, the loop goes on. */
  fault(event: DeployerEvent, error: unknown): void;
  /** Each command of a step, after the step itself. */
  dispatch(command: Command): void;
  /** The queue ran empty. */
  settled(): void;
  /** Whether to go on after a yield (false: the loop was unsubscribed). */
  alive(): boolean;
}

export class StepLoop {
  #world: World;
  readonly #reducer: Reducer;
  readonly #batches: Batches;
  readonly #out: StepOutlet;
  readonly #queue = new EventQueue();
  /** Handling, or yielded with events left: either way, a new event only queues. */
  #draining = false;

  constructor(world: World, reducer: Reducer, batches: Batches, out: StepOutlet) {
    this.#world = world;
    this.#reducer = reducer;
    this.#batches = batches;
    this.#out = out;
  }

  handle(event: DeployerEvent): void {
    this.#queue.push(event);
    if (this.#draining) return;
    this.#draining = true;
    this.#drain();
  }

  /** Nothing queued and nothing being handled. */
  get idle(): boolean {
    return this.#queue.length === 0 && !this.#draining;
  }

  /** Handles queued events until the queue is empty or the batch is used up. */
  #drain(): void {
    const batch = this.#batches.current();
    try {
      while (this.#queue.length > 0) {
        if (!batch.take()) {
          this.#batches.yieldThen(() => {
            if (this.#out.alive()) this.#drain();
          });
          return;
        }
        const next = this.#queue.shift() as DeployerEvent;
        let step;
        try {
          step = this.#reducer(this.#world, next);
        } catch (error) {
          this.#out.fault(next, error);
          continue;
        }
        this.#world = step.world;
        this.#out.step(next, step.world, step.commands);
        for (const command of step.commands) this.#out.dispatch(command);
      }
    } catch (error) {
      // Only a throwing subscriber gets here; the loop must not stay stuck in "draining".
      this.#draining = false;
      throw error;
    }
    this.#draining = false;
    this.#out.settled();
  }
}
