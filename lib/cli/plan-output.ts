// What `plan` prints: the commands a deployer starting now would send, as an aligned table or
// as one JSON array ([] when there is nothing to do).

import type { Command } from '../core/commands.js';
import { formatPlan } from '../core/plan.js';
import type { PlanOptions } from './arguments.js';

export function renderPlan(commands: readonly Command[], output: PlanOptions['output']): string {
  return output === 'json' ? `${JSON.stringify(commands, null, 2)}\n` : `${formatPlan(commands)}\n`;
}
