// deployer(): sources -> reducer -> commands -> sinks -> outcome events, in one loop.
// Events are handled one at a time, in arrival order: an outcome a sink reports synchronously
// is queued behind the event being handled (as a queue scheduler would), so the reducer never
// re-enters and every run is replayable from its event log.
//
// Responsiveness (issue 10): the loop handles at most `batch.events` events or `batch.ms`
// milliseconds of them in one go, then lets the event loop run (timers, I/O, /healthz) before
// it goes on: through `scheduler` when one is given (a TestScheduler never yields on time: its
// clock stands still within a frame), else through setImmediate. Events arriving meanwhile queue
// behind, still in arrival order. Commands run in lanes, each with its own concurrency, so that a
// poll, a lookup or a cancel never waits behind thousands of submits or state writes: which
// command goes in which lane, and may still run while stopping, is in streams/command-table.ts.
// `lanes` overrides any lane's concurrency; the older `concurrency` sets the submit lane.

import { merge, Observable, of, Subject, Subscription, type SchedulerLike } from 'rxjs';
import { catchError, mergeMap, take, tap } from 'rxjs/operators';
import type { Command } from '../lib/core/commands.js';
import type { DeployerEvent } from '../lib/core/events.js';
import type { Reducer } from '../lib/core/reducer.js';
import { initialWorld, type World } from '../lib/core/world.js';
import { DEFAULT_LANES, traitsOf, type DeployerSinks, type Lane } from './command-table.js';
import { runCommand } from './run-command.js';
import { EventQueue } from './event-queue.js';
import { definedOnly } from '../lib/core/defined-only.js';

export type { DeployerSinks, Lane } from './command-table.js';

/** How much the loop handles before it lets the event loop run. */
export interface LoopBatch {
  /** Events handled in one go, at most. Default 256. */
  readonly events?: number;
  /** Milliseconds spent handling in one go, about (checked after each event). Default 10. */
  readonly ms?: number;
}

/** What deployer() is made of: the sources, the sinks, the reducer, and how the loop runs. */
export interface DeployerOptions {
  /** Event streams from outside: the Config DB, the clock, signals. */
  readonly sources: readonly Observable<DeployerEvent>[];
  /** What carries out each command type (createSinks makes the real ones). */
  readonly sinks: DeployerSinks;
  /** Decides: createReducer(settings). */
  readonly reducer: Reducer;
  /** The world to start from; default initialWorld. */
  readonly initial?: World;
  /** Commands of the submit lane carried out at once, at most (kept for embedders; see `lanes`). */
  readonly concurrency?: number;
  /** Commands carried out at once per lane, at most; unset lanes keep DEFAULT_LANES. */
  readonly lanes?: Partial<Record<Lane, number>>;
  /** How much the loop handles before it yields to the event loop. */
  readonly batch?: LoopBatch;
  /**
   * A sink that has not answered after this long gets a failure outcome, whatever the command.
   * Unset: each command type's own timeout (streams/command-table.ts).
   */
  readonly commandTimeoutMs?: number;
  /** Times the loop and the command timeouts (a TestScheduler in tests); default: real time and setImmediate. */
  readonly scheduler?: SchedulerLike;
  /**
   * When this emits, the deployer stops taking new work: the sources are dropped, and of the
   * commands decided from then on only state writes are carried out. The output completes once
   * every command in flight has answered (the caller bounds how long it waits).
   */
  readonly stop?: Observable<unknown>;
}

/** What the loop tells, one of these by `type`. */
export type DeployerOutput =
  | { readonly type: 'step'; readonly event: DeployerEvent; readonly world: World; readonly commands: readonly Command[] }
  /** The reducer threw on an event (a bug): the event is skipped, the loop goes on. */
  | { readonly type: 'fault'; readonly event: DeployerEvent; readonly error: unknown }
  /** A source failed for good; the other sources go on. */
  | { readonly type: 'sourceFailed'; readonly error: unknown };

/** The deployer's loop: events from the sources go through the reducer one at a time, in arrival order; the commands decided go to the sinks, whose outcome events come back in. Subscribe to run it; it never errors, and completes only after `stop`. */
export function deployer(options: DeployerOptions): Observable<DeployerOutput> {
  const { sources, sinks, reducer, commandTimeoutMs, scheduler, stop } = options;
  const lanes: Record<Lane, number> = {
    ...DEFAULT_LANES,
    ...definedOnly({ submit: options.concurrency }),
    ...options.lanes,
  };
  const maxEvents = Math.max(1, options.batch?.events ?? 256);
  const maxMs = options.batch?.ms ?? 10;
  const now = (): number => (scheduler ? scheduler.now() : performance.now());
  return new Observable<DeployerOutput>((subscriber) => {
    let world = options.initial ?? initialWorld;
    const queue = new EventQueue();
    /** Handling, or yielded with events left: either way, a new event only queues. */
    let draining = false;
    let stopping = false;
    let inFlight = 0;
    const laneInputs = Object.fromEntries((Object.keys(lanes) as Lane[]).map((lane) => [lane, new Subject<Command>()])) as Record<Lane, Subject<Command>>;
    const completeIfIdle = () => {
      if (stopping && inFlight === 0 && queue.length === 0 && !draining) subscriber.complete();
    };
    const dispatch = (command: Command) => {
      const { drain, lane } = traitsOf(command.type);
      if (stopping && !drain) return;
      inFlight++;
      laneInputs[lane].next(command);
    };
    const subscription = new Subscription();

    /**
     * The batch the loop is in: it began when the event loop last had a turn (the loop resumed
     * after a yield, or a macrotask, or a frame of a virtual scheduler, went by), so that a source
     * or a storm of resolved promises delivering thousands of events, each alone, is cut too.
     */
    let batch: { count: number; readonly started: number } | undefined;
    const currentBatch = (): { count: number; readonly started: number } => {
      if (batch !== undefined) return batch;
      const opened = { count: 0, started: now() };
      batch = opened;
      const end = () => {
        if (batch === opened) batch = undefined;
      };
      if (scheduler) {
        // A scheduler may run the action at once (queueScheduler outside an action): then there is nothing to hold.
        let action: Subscription | undefined;
        let ran = false;
        action = scheduler.schedule(() => {
          ran = true;
          end();
          if (action !== undefined) subscription.remove(action);
        });
        if (!ran) subscription.add(action);
      } else {
        setImmediate(end);
      }
      return opened;
    };

    /** Handles queued events until the queue is empty or the batch is used up. */
    const drain = (): void => {
      const current = currentBatch();
      try {
        while (queue.length > 0) {
          if (current.count >= maxEvents || now() - current.started >= maxMs) {
            yieldThenDrain();
            return;
          }
          const next = queue.shift() as DeployerEvent;
          current.count++;
          let step;
          try {
            step = reducer(world, next);
          } catch (error) {
            subscriber.next({ type: 'fault', event: next, error });
            continue;
          }
          world = step.world;
          subscriber.next({ type: 'step', event: next, world, commands: step.commands });
          for (const command of step.commands) dispatch(command);
        }
      } catch (error) {
        // Only a throwing subscriber gets here; the loop must not stay stuck in "draining".
        draining = false;
        throw error;
      }
      draining = false;
      completeIfIdle();
    };

    /** Goes on after the event loop had its turn; one continuation at a time, dropped on unsubscribe. */
    const yieldThenDrain = (): void => {
      const pending = new Subscription();
      const resume = () => {
        subscription.remove(pending);
        batch = undefined;
        if (!subscriber.closed) drain();
      };
      if (scheduler) {
        pending.add(scheduler.schedule(resume));
      } else {
        const immediate = setImmediate(resume);
        pending.add(() => clearImmediate(immediate));
      }
      subscription.add(pending);
    };

    const handle = (event: DeployerEvent): void => {
      queue.push(event);
      if (draining) return;
      draining = true;
      drain();
    };

    for (const lane of Object.keys(lanes) as Lane[]) {
      subscription.add(
        laneInputs[lane]
          .pipe(
            mergeMap(
              (command) =>
                runCommand(sinks, command, commandTimeoutMs, scheduler).pipe(
                  tap({ next: () => inFlight--, error: () => inFlight-- }),
                ),
              Math.max(1, lanes[lane]),
            ),
          )
          .subscribe(handle),
      );
    }
    const inputs = new Subscription();
    subscription.add(inputs);
    if (stop !== undefined) {
      subscription.add(
        stop.pipe(take(1)).subscribe(() => {
          stopping = true;
          inputs.unsubscribe();
          completeIfIdle();
        }),
      );
    }
    inputs.add(
      merge(
        ...sources.map((source) =>
          source.pipe(
            catchError((error: unknown) => {
              subscriber.next({ type: 'sourceFailed', error });
              return of<DeployerEvent>();
            }),
          ),
        ),
      ).subscribe(handle),
    );
    return subscription;
  });
}
