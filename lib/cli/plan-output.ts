// What `plan` prints: the commands a deployer starting now would send, as an aligned table or
// as one JSON array ([] when there is nothing to do).

import type { Command } from '../core/commands.js';
import { alignColumns } from './aligned-columns.js';
import type { PlanOptions } from './arguments.js';

export function renderPlan(commands: readonly Command[], output: PlanOptions['output']): string {
  return output === 'json' ? `${JSON.stringify(commands, null, 2)}\n` : `${formatPlan(commands)}\n`;
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
    case 'pollStates':
      return ['poll', '-', 'Slurm'];
    case 'writeWatermark':
      return ['watermark', '-', `job-id floor ${command.watermark.floor}`];
    case 'recordJobs':
      return ['registry', '-', `${command.add.length} jobs stored, ${command.remove.length} removed`];
  }
}
