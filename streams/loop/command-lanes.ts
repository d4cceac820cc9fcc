// The deployer loop's commands in lanes, each with its own concurrency, so that a poll, a lookup or
// a cancel never waits behind thousands of submits or state writes (which command goes in which
// lane, and may still run while stopping: streams/loop/command-table.ts). Counts the commands in
// flight, so the loop knows when a stopping deployer is done.

import { Subject, type Observable, type Subscription } from 'rxjs';
import { mergeMap, tap } from 'rxjs/operators';
import type { Command } from '../../lib/core/commands.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import { traitsOf, type Lane } from './command-table.js';

export class CommandLanes {
  readonly #inputs: Readonly<Record<Lane, Subject<Command>>>;
  #inFlight = 0;
  #stopping = false;

  /**
   * `run` carries out one command as one outcome event (runCommand); each outcome goes to
   * `answer`. The lanes live as long as `held`.
   */
  constructor(widths: Readonly<Record<Lane, number>>, run: (command: Command) => Observable<DeployerEvent>, answer: (event: DeployerEvent) => void, held: Subscription) {
    const lanes = Object.keys(widths) as Lane[];
    this.#inputs = Object.fromEntries(lanes.map((lane) => [lane, new Subject<Command>()])) as Record<Lane, Subject<Command>>;
    for (const lane of lanes) {
      const done = () => this.#inFlight--;
      held.add(
        this.#inputs[lane]
          .pipe(mergeMap((command) => run(command).pipe(tap({ next: done, error: done })), Math.max(1, widths[lane])))
          .subscribe(answer),
      );
    }
  }

  /** Sends the command down its lane; once stopping, only the commands that drain (state writes). */
  dispatch(command: Command): void {
    const { drain, lane } = traitsOf(command.type);
    if (this.#stopping && !drain) return;
    this.#inFlight++;
    this.#inputs[lane].next(command);
  }

  /** From now on only the commands that drain are carried out. */
  stop(): void {
    this.#stopping = true;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** No command in flight. */
  get idle(): boolean {
    return this.#inFlight === 0;
  }
}
