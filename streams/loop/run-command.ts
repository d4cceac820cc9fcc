// One command carried out by its sink, as exactly one outcome event: the sink's first answer, or
// a failure when it errors, completes without an answer, or says nothing within the timeout (its
// type's, streams/loop/command-table.ts, unless the caller gives one for all).
// Written as one Observable rather than a chain of operators: thousands of commands in flight
// (a burst of submits and state writes) each hold one subscriber and one timer, not seven.

import { asyncScheduler, from, Observable, Subscription, type SchedulerLike } from 'rxjs';
import type { Command } from '../../lib/core/commands.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import { carryOut, outcomeOfFailure, traitsOf, type DeployerSinks } from './command-table.js';

export function runCommand(sinks: DeployerSinks, command: Command, timeoutMs?: number, scheduler: SchedulerLike = asyncScheduler): Observable<DeployerEvent> {
  const limitMs = timeoutMs ?? traitsOf(command.type).timeoutMs;
  return new Observable<DeployerEvent>((subscriber) => {
    const failWith = (message: string) => outcomeOfFailure(command, { kind: traitsOf(command.type).unforeseen, message: `${command.type}: ${message}` });
    const answer = (event: DeployerEvent) => {
      subscriber.next(event);
      subscriber.complete();
    };
    const running = new Subscription();
    try {
      running.add(
        from(carryOut(sinks, command.type, command)).subscribe({
          next: answer,
          error: (error: unknown) => answer(failWith(errorMessage(error))),
          complete: () => answer(failWith('no outcome reported')),
        }),
      );
    } catch (error) {
      answer(failWith(errorMessage(error)));
    }
    // The words rxjs's timeout operator gave, which logs and specs know.
    if (!subscriber.closed) running.add(scheduler.schedule(() => answer(failWith('TimeoutError: Timeout has occurred')), limitMs));
    return running;
  });
}

function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
}
