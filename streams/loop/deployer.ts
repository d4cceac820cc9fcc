// deployer(): sources -> reducer -> commands -> sinks -> outcome events, in one loop, wired from
// three pieces: the steps (streams/loop/step-loop.ts: one event at a time, in arrival order, the
// reducer never re-entered), their batches (streams/loop/batches.ts: at most `batch.events` events
// or `batch.ms` milliseconds in one go, then the event loop runs: timers, I/O, /healthz), and the
// command lanes (streams/loop/command-lanes.ts: each lane with its own concurrency, so that a poll,
// a lookup or a cancel never waits behind thousands of submits or state writes; which command
// goes in which lane, and may still run while stopping: streams/loop/command-table.ts).
// `lanes` overrides any lane's concurrency; the older `concurrency` sets the submit lane.

import { merge, Observable, of, Subscription, type SchedulerLike } from 'rxjs';
import { catchError, take } from 'rxjs/operators';
import type { Command } from '../../lib/core/commands.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import type { Reducer } from '../../lib/core/reducer.js';
import { initialWorld, type World } from '../../lib/core/world.js';
import { Batches, type LoopBatch } from './batches.js';
import { CommandLanes } from './command-lanes.js';
import { DEFAULT_LANES, type DeployerSinks, type Lane } from './command-table.js';
import { runCommand } from './run-command.js';
import { StepLoop } from './step-loop.js';
import { definedOnly } from '../../lib/core/defined-only.js';

export type { DeployerSinks, Lane } from './command-table.js';
export type { LoopBatch } from './batches.js';

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
   * Unset: each command type's own timeout (streams/loop/command-table.ts).
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
  const widths: Record<Lane, number> = {
    ...DEFAULT_LANES,
    ...definedOnly({ submit: options.concurrency }),
    ...options.lanes,
  };
  return new Observable<DeployerOutput>((subscriber) => {
    const subscription = new Subscription();
    const completeIfIdle = () => {
      if (lanes.stopping && lanes.idle && steps.idle) subscriber.complete();
    };
    const steps: StepLoop = new StepLoop(options.initial ?? initialWorld, reducer, new Batches(options.batch, scheduler, subscription), {
      step: (event, world, commands) => subscriber.next({ type: 'step', event, world, commands }),
      fault: (event, error) => subscriber.next({ type: 'fault', event, error }),
      dispatch: (command) => lanes.dispatch(command),
      settled: completeIfIdle,
      alive: () => !subscriber.closed,
    });
    const handle = (event: DeployerEvent) => steps.handle(event);
    const lanes: CommandLanes = new CommandLanes(widths, (command) => runCommand(sinks, command, commandTimeoutMs, scheduler), handle, subscription);
    const inputs = new Subscription();
    subscription.add(inputs);
    if (stop !== undefined) {
      subscription.add(
        stop.pipe(take(1)).subscribe(() => {
          lanes.stop();
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
