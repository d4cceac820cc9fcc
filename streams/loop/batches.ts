// The deployer loop's batches (issue 10): how much it handled since the event loop last had a
// turn, and the yield that gives it one. A batch begins when the event loop had a turn (the loop
// resumed after a yield, or a macrotask, or a frame of a virtual scheduler, went by), so that a
// source or a storm of resolved promises delivering thousands of events, each alone, is cut too.
// Yields go through `scheduler` when one is given (a TestScheduler never yields on time: its clock
// stands still within a frame), else through setImmediate.

import { Subscription, type SchedulerLike } from 'rxjs';

/** How much the loop handles before it lets the event loop run. */
export interface LoopBatch {
  /** Events handled in one go, at most. Default 256. */
  readonly events?: number;
  /** Milliseconds spent handling in one go, about (checked after each event). Default 10. */
  readonly ms?: number;
}

/** One batch: events are taken into it until it is used up. */
export interface Batch {
  /** Counts one more event into the batch; false, counting nothing, once it is used up. */
  take(): boolean;
}

export class Batches {
  readonly #maxEvents: number;
  readonly #maxMs: number;
  readonly #scheduler: SchedulerLike | undefined;
  /** Holds what is scheduled, so that unsubscribing the loop drops it. */
  readonly #held: Subscription;
  #open: { count: number; readonly started: number } | undefined;

  constructor(limits: LoopBatch | undefined, scheduler: SchedulerLike | undefined, held: Subscription) {
    this.#maxEvents = Math.max(1, limits?.events ?? 256);
    this.#maxMs = limits?.ms ?? 10;
    this.#scheduler = scheduler;
    this.#held = held;
  }

  /** The batch the loop is in, opened now if the event loop had a turn since the last one. */
  current(): Batch {
    const batch = this.#open ?? this.#begin();
    return {
      take: () => {
        if (batch.count >= this.#maxEvents || this.#now() - batch.started >= this.#maxMs) return false;
        batch.count++;
        return true;
      },
    };
  }

  /** Runs `resume` in a fresh batch once the event loop had its turn; one at a time, dropped on unsubscribe. */
  yieldThen(resume: () => void): void {
    const pending = new Subscription();
    const run = () => {
      this.#held.remove(pending);
      this.#open = undefined;
      resume();
    };
    if (this.#scheduler) {
      pending.add(this.#scheduler.schedule(run));
    } else {
      const immediate = setImmediate(run);
      pending.add(() => clearImmediate(immediate));
    }
    this.#held.add(pending);
  }

  #begin(): { count: number; readonly started: number } {
    const opened = { count: 0, started: this.#now() };
    this.#open = opened;
    const end = () => {
      if (this.#open === opened) this.#open = undefined;
    };
    if (this.#scheduler) {
      // A scheduler may run the action at once (queueScheduler outside an action): then there is nothing to hold.
      let action: Subscription | undefined;
      let ran = false;
      action = this.#scheduler.schedule(() => {
        ran = true;
        end();
        if (action !== undefined) this.#held.remove(action);
      });
      if (!ran) this.#held.add(action);
    } else {
      setImmediate(end);
    }
    return opened;
  }

  #now(): number {
    return this.#scheduler ? this.#scheduler.now() : performance.now();
  }
}
