// deployer(): sources -> reducer -> commands -> sinks -> outcome events, in one loop.
// Events are handled one at a time, in arrival order: an outcome a sink reports synchronously
// is queued behind the event being handled (as a queue scheduler would), so the reducer never
// re-enters and every run is replayable from its event log.

import { defer, merge, Observable, of, Subject, Subscription, type SchedulerLike } from 'rxjs';
import { catchError, defaultIfEmpty, mergeMap, take, tap, timeout } from 'rxjs/operators';
import { outcomeOfFailure, type Command } from '../lib/core/commands.js';
import type { DeployerEvent } from '../lib/core/events.js';
import type { Failure } from '../lib/core/failure.js';
import type { Reducer } from '../lib/core/reducer.js';
import { initialWorld, type World } from '../lib/core/world.js';

/** One sink per command type; each answers a command with (at least) one outcome event. */
export type DeployerSinks = {
  readonly [K in Command['type']]: (command: Extract<Command, { type: K }>) => Observable<DeployerEvent>;
};

export interface DeployerOptions {
  /** Event streams from outside: the Config DB, the clock, signals. */
  readonly sources: readonly Observable<DeployerEvent>[];
  readonly sinks: DeployerSinks;
  readonly reducer: Reducer;
  readonly initial?: World;
  /** Commands carried out at once, at most. */
  readonly concurrency?: number;
  /** A sink that has not answered after this long gets a failure outcome. */
  readonly commandTimeoutMs?: number;
  readonly scheduler?: SchedulerLike;
  /**
   * When this emits, the deployer stops taking new work: the sources are dropped, and of the
   * commands decided from then on only state writes are carried out. The output completes once
   * every command in flight has answered (the caller bounds how long it waits).
   */
  readonly stop?: Observable<unknown>;
}

/** What may still be done while stopping: recording what is known, never starting anything. */
const DRAIN_COMMANDS: ReadonlySet<Command['type']> = new Set(['writeState', 'deleteState']);

export type DeployerOutput =
  | { readonly type: 'step'; readonly event: DeployerEvent; readonly world: World; readonly commands: readonly Command[] }
  /** The reducer threw on an event (a bug): the event is skipped, the loop goes on. */
  | { readonly type: 'fault'; readonly event: DeployerEvent; readonly error: unknown }
  /** A source failed for good; the other sources go on. */
  | { readonly type: 'sourceFailed'; readonly error: unknown };

export function deployer(options: DeployerOptions): Observable<DeployerOutput> {
  const { sources, sinks, reducer, concurrency = 8, commandTimeoutMs = 120_000, scheduler, stop } = options;
  return new Observable<DeployerOutput>((subscriber) => {
    let world = options.initial ?? initialWorld;
    const queue: DeployerEvent[] = [];
    let handling = false;
    let stopping = false;
    let inFlight = 0;
    const commands = new Subject<Command>();
    const completeIfIdle = () => {
      if (stopping && inFlight === 0 && queue.length === 0 && !handling) subscriber.complete();
    };
    const dispatch = (command: Command) => {
      if (stopping && !DRAIN_COMMANDS.has(command.type)) return;
      inFlight++;
      commands.next(command);
    };

    const handle = (event: DeployerEvent): void => {
      queue.push(event);
      if (handling) return;
      handling = true;
      try {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
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
      } finally {
        handling = false;
      }
      completeIfIdle();
    };

    const subscription = new Subscription();
    subscription.add(
      commands
        .pipe(
          mergeMap(
            (command) =>
              runCommand(sinks, command, commandTimeoutMs, scheduler).pipe(
                tap({ next: () => inFlight--, error: () => inFlight-- }),
              ),
            concurrency,
          ),
        )
        .subscribe(handle),
    );
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

/** Exactly one outcome per command: errors, silence and timeouts all become failure events. */
function runCommand(sinks: DeployerSinks, command: Command, timeoutMs: number, scheduler?: SchedulerLike): Observable<DeployerEvent> {
  const fail = (failure: Failure) => of(outcomeOfFailure(command, failure));
  // A submit that failed in an unforeseen way may still have reached Slurm.
  const unforeseen = command.type === 'submitJob' ? 'unknown-outcome' : 'transient';
  return defer(() => sinkFor(sinks, command)).pipe(
    take(1),
    timeout({ first: timeoutMs, ...(scheduler ? { scheduler } : {}) }),
    defaultIfEmpty(outcomeOfFailure(command, { kind: unforeseen, message: `${command.type}: no outcome reported` })),
    catchError((error: unknown) => fail({ kind: unforeseen, message: `${command.type}: ${errorMessage(error)}` })),
  );
}

function sinkFor(sinks: DeployerSinks, command: Command): Observable<DeployerEvent> {
  switch (command.type) {
    case 'pollJobs':
      return sinks.pollJobs(command);
    case 'submitJob':
      return sinks.submitJob(command);
    case 'lookupJob':
      return sinks.lookupJob(command);
    case 'cancelJob':
      return sinks.cancelJob(command);
    case 'writeState':
      return sinks.writeState(command);
    case 'deleteState':
      return sinks.deleteState(command);
  }
}

function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
}
