// `deployer status` and `deployer plan`: read the Config DB and Slurm once, print, change nothing.

import { listAllJobs, openClientsOrExit } from './clients.js';
import { planCommands } from '../lib/core/plan.js';
import { formatTable, statusRows } from '../lib/core/status-table.js';
import type { Command } from '../lib/core/commands.js';
import { reducerSettingsOf } from '../streams/live-deployer.js';
import { configOrExit, EXIT_OK } from './run.js';

export async function statusCommand(): Promise<number> {
  const config = configOrExit();
  const clients = await openClientsOrExit(config, { waitForSlurm: false });
  try {
    const [listing, jobs] = await Promise.all([clients.configDb.listDeployments(), listAllJobs(clients.slurm)]);
    const rows = statusRows(listing.deployments, listing.invalid, jobs, config.job.label, Date.now());
    process.stdout.write(`${formatTable(rows)}\n`);
    return EXIT_OK;
  } finally {
    await clients.close();
  }
}

export async function planCommand(args: readonly string[]): Promise<number> {
  const config = configOrExit();
  const clients = await openClientsOrExit(config, { waitForSlurm: false });
  try {
    const [listing, jobs] = await Promise.all([clients.configDb.listDeployments(), listAllJobs(clients.slurm)]);
    const commands = planCommands(reducerSettingsOf(config), { ...listing, jobs, now: Date.now() });
    const lines = args.includes('--json') ? commands.map((c) => JSON.stringify(c)) : commands.map(describe);
    process.stdout.write(lines.length === 0 ? 'nothing to do\n' : `${lines.join('\n')}\n`);
    return EXIT_OK;
  } finally {
    await clients.close();
  }
}

function describe(command: Command): string {
  switch (command.type) {
    case 'submitJob':
      return `submit   ${command.id}  (submit ${command.submitId}, partition ${command.spec.partition ?? 'default'})`;
    case 'cancelJob':
      return `cancel   ${command.id}  job ${command.jobId} (${command.why})`;
    case 'lookupJob':
      return `lookup   ${command.id}  job ${command.jobId}`;
    case 'writeState':
      return `state    ${command.id}  ${JSON.stringify(command.state)}`;
    case 'deleteState':
      return `remove   ${command.id}  state`;
    case 'pollJobs':
      return `poll     Slurm`;
  }
}
