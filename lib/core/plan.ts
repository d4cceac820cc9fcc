// `deployer plan`: what the deployer would do now, from a Config DB listing and one poll of
// Slurm, decided by the real reducer and carried out by nobody; and that plan as a table.

import type { Command } from './commands.js';
import type { DeploymentEntry, InvalidDeployment } from './events.js';
import { createReducer } from './reducer.js';
import type { SlurmJob } from './slurm-job.js';
import { alignColumns } from './status-table.js';
import { initialWorld, type ReducerSettings } from './world.js';

export interface PlanInput {
  readonly deployments: readonly DeploymentEntry[];
  readonly invalid: readonly InvalidDeployment[];
  readonly jobs: readonly SlurmJob[];
  /** Milliseconds since the epoch. */
  readonly now: number;
}

/** The commands of a deployer that starts now: everything but its first poll, which is given. */
export function planCommands(settings: ReducerSettings, input: PlanInput): Command[] {
  const reduce = createReducer(settings);
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

/** The plan as an aligned table: ACTION, DEPLOYMENT, DETAIL; a line saying so when it is empty. */
export function formatPlan(commands: readonly Command[]): string {
  if (commands.length === 0) return 'nothing to do';
  return alignColumns([['ACTION', 'DEPLOYMENT', 'DETAIL'], ...commands.map(planRow)]);
}

function planRow(command: Command): [string, string, string] {
  switch (command.type) {
    case 'submitJob':
      return ['submit', command.id, `submit ${command.submitId}, partition ${command.spec.partition ?? 'default'}`];
    case 'cancelJob':
      return ['cancel', command.id, `job ${command.jobId} (${command.why})`];
    case 'lookupJob':
      return ['lookup', command.id, `job ${command.jobId}`];
    case 'writeState':
      return ['state', command.id, JSON.stringify(command.state)];
    case 'deleteState':
      return ['remove', command.id, 'state'];
    case 'pollJobs':
      return ['poll', '-', 'Slurm'];
  }
}
