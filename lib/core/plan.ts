// `deployer plan`: what the deployer would do now, from a Config DB listing and one poll of
// Slurm, decided by the real reducer and carried out by nobody (lib/cli/plan-output.ts prints it).

import type { Command } from './commands.js';
import type { DeploymentEntry, InvalidDeployment } from './events.js';
import { createReducer } from './reducer.js';
import type { SlurmJob } from './slurm-job.js';
import type { ReducerSettings } from './settings.js';
import { initialWorld } from './world.js';

export interface PlanInput {
  readonly deployments: readonly DeploymentEntry[];
  readonly invalid: readonly InvalidDeployment[];
  readonly jobs: readonly SlurmJob[];
  /** Milliseconds since the epoch. */
  readonly now: number;
}

/** The commands of a deployer that starts now: everything but its first poll, which is given. */
export function planCommands(settings: ReducerSettings, input: PlanInput): Command[] {
  // What would be decided, not when: no watermark to write first, no wait after an unclean stop.
  const reduce = createReducer({ ...settings, watermark: undefined });
  const commands: Command[] = [];
  let world = initialWorld;
  const feed = (...events: Parameters<typeof reduce>[1][]) => {
    for (const event of events) {
      const step = reduce(world, event);
      world = step.world;
      commands.push(...step.commands);
    }
  };
  feed({ type: 'tick', now: input.now }, { type: 'configListed', deployments: input.deployments, invalid: input.invalid });
  const poll = commands.find((c) => c.type === 'pollJobs');
  feed({ type: 'jobsPolled', pollId: poll?.type === 'pollJobs' ? poll.pollId : 1, jobs: input.jobs });
  return commands.filter((c) => c.type !== 'pollJobs');
}
