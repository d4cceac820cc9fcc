// A reducer run for example specs: feeds events one at a time, keeps the world and every command
// issued, answers state writes as a healthy Config DB does.

import type { Command } from '../../lib/core/commands.js';
import type { DeploymentState } from '../../lib/core/deployment-state.js';
import type { DeployerEvent } from '../../lib/core/events.js';
import { canonicalJson } from '../../lib/core/canonical-json.js';
import { createReducer } from '../../lib/core/reducer.js';
import { specHash } from '../../lib/core/spec-hash.js';
import { initialWorld, type ReducerSettings, type World } from '../../lib/core/world.js';
import { entry, job, settings as defaultSettings } from './fixtures.js';

export const T0 = 1_800_000_000_000;

/** Feeds events one by one; keeps the world and every command issued. */
export class Run {
  world: World = initialWorld;
  commands: Command[] = [];
  readonly #reduce: ReturnType<typeof createReducer>;

  /** Answers every state write at once, as a healthy Config DB does (one write per id is in flight at a time). */
  constructor(
    private readonly ackWrites = true,
    settings: ReducerSettings = defaultSettings,
  ) {
    this.#reduce = createReducer(settings);
  }

  feed(...events: DeployerEvent[]): Command[] {
    const issued: Command[] = [];
    const queue = [...events];
    for (let event = queue.shift(); event !== undefined; event = queue.shift()) {
      const step = this.#reduce(this.world, event);
      this.world = step.world;
      issued.push(...step.commands.map(withoutSpec));
      if (!this.ackWrites) continue;
      for (const c of step.commands) if (c.type === 'writeState') queue.unshift({ type: 'stateWritten', id: c.id, state: c.state });
    }
    this.commands.push(...issued);
    return issued;
  }

  /** Ticks to `now` and answers the poll it asks for with `jobs`. */
  poll(now: number, ...jobs: ReturnType<typeof job>[]): Command[] {
    const issued = this.feed({ type: 'tick', now });
    const poll = issued.find((c) => c.type === 'pollJobs');
    if (poll?.type !== 'pollJobs') throw new Error(`no poll issued at ${now}: ${JSON.stringify(issued)}`);
    return [...issued.filter((c) => c !== poll), ...this.feed({ type: 'jobsPolled', pollId: poll.pollId, jobs })];
  }
}

/** The args hash every state carries is checked on its own below; other specs leave it out. */
export function withoutSpec(command: Command): Command {
  if (command.type !== 'writeState') return command;
  const { spec: _spec, ...state } = command.state;
  return { ...command, state };
}

/** A state of the first generation, as most specs expect. */
export const g1 = (state: DeploymentState): DeploymentState => ({ ...state, generation: 1 });

/** A state found at start, as this deployer wrote it for `args` (the fixture's default args unless given). */
export const stored = (state: DeploymentState, args: unknown = { script: '#!/bin/bash\ntrue\n' }): DeploymentState => ({
  ...g1(state),
  spec: specHash(canonicalJson(args)),
});

export const ofType = <T extends Command['type']>(commands: Command[], type: T) => commands.filter((c): c is Extract<Command, { type: T }> => c.type === type);

/** A run with the Config DB listed (with `entries`) and Slurm polled once (with `jobs`). */
export function started(entries = [entry('d1')], jobs: ReturnType<typeof job>[] = []): { run: Run; first: Command[] } {
  const run = new Run();
  run.feed({ type: 'configListed', deployments: entries, invalid: [] });
  const first = run.poll(T0, ...jobs);
  return { run, first };
}
