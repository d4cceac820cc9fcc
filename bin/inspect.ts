// `status` and `plan`: read the Config DB and Slurm, print, change nothing. `status --watch`
// reads again on every Config DB change and every interval, and prints when something changed.

import { setTimeout as sleep } from 'node:timers/promises';
import { openClientsOrExit, type Clients } from './clients.js';
import { formatPlan, planCommands } from '../lib/core/plan.js';
import { formatTable, statusRows, type StatusRow } from '../lib/core/status-table.js';
import type { DeployerConfig } from '../lib/config/deployer-config.js';
import { reducerSettingsOf } from '../lib/config/reducer-settings.js';
import { leaderLine } from './replica-leadership.js';
import { configOrExit, EXIT_OK } from './run.js';
import { toYaml } from '../lib/cli/yaml.js';
import { messageOf } from '../lib/core/error-message.js';

export interface StatusOptions {
  readonly ids: readonly string[];
  readonly output: 'table' | 'wide' | 'json' | 'yaml';
  readonly watch: boolean;
  readonly intervalSeconds: number;
}

export async function statusCommand(options: StatusOptions): Promise<number> {
  const config = configOrExit();
  const clients = await openClientsOrExit(config, { waitForSlurm: false });
  try {
    if (!options.watch) {
      const rows = await readRows(clients, config, options.ids);
      // The tables end with the replica that leads now; JSON and YAML keep their one array.
      const leader = options.output === 'table' || options.output === 'wide' ? await leaderLine(config) : undefined;
      process.stdout.write(render(rows, options.output, false) + (leader === undefined ? '' : `${leader}\n`));
      return EXIT_OK;
    }
    await watchStatus(clients, config, options);
    return EXIT_OK;
  } finally {
    await clients.close();
  }
}

async function readRows(clients: Clients, config: DeployerConfig, ids: readonly string[]): Promise<StatusRow[]> {
  const [listing, jobs] = await Promise.all([clients.configDb.listDeployments(), clients.slurm.listJobs()]);
  const invalid = listing.invalid.map((i) => ({ ...i, priorState: listing.invalidStates?.get(i.id) }));
  const rows = statusRows(listing.deployments, invalid, jobs, config.job.label, Date.now());
  return ids.length === 0 ? rows : rows.filter((r) => ids.includes(r.deployment));
}

function render(rows: readonly StatusRow[], output: StatusOptions['output'], watching: boolean): string {
  switch (output) {
    case 'table':
    case 'wide':
      return `${formatTable(rows, output === 'wide')}\n`;
    case 'json':
      // Watching, one document per line (a stream jq reads); else one pretty document.
      return watching ? `${JSON.stringify(rows)}\n` : `${JSON.stringify(rows, null, 2)}\n`;
    case 'yaml':
      return `${watching ? '---\n' : ''}${toYaml(rows)}`;
  }
}

/** What a change is: anything but the passing of time. */
function changeKey(rows: readonly StatusRow[]): string {
  return JSON.stringify(rows.map(({ age_seconds: _, ...rest }) => rest));
}

async function watchStatus(clients: Clients, config: DeployerConfig, options: StatusOptions): Promise<void> {
  const clear = process.stdout.isTTY && (options.output === 'table' || options.output === 'wide');
  let stopped = false;
  let wake: (() => void) | undefined;
  let poked = false; // a Config DB change while reading: read again at once
  const poke = () => {
    poked = true;
    wake?.();
  };
  const stop = () => {
    stopped = true;
    wake?.();
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
  process.stdout.on('error', stop); // the reader went away (`| head`)
  const listing = await clients.configDb.listDeployments();
  const watch = await clients.configDb.watchDeployments(listing.revision, { change: poke, lost: () => undefined });
  let last: string | undefined;
  let failing = false;
  try {
    while (!stopped) {
      try {
        const rows = await readRows(clients, config, options.ids);
        const key = changeKey(rows);
        if (key !== last) {
          last = key;
          const text = render(rows, options.output, true);
          process.stdout.write(clear ? `\x1b[H\x1b[2J${new Date().toISOString()}\n${text}` : text);
        }
        failing = false;
      } catch (error) {
        // A watch outlives an outage: say it once, and go on reading.
        if (!failing) process.stderr.write(`status --watch: ${messageOf(error)}; trying again\n`);
        failing = true;
      }
      if (stopped || poked) {
        poked = false;
        continue;
      }
      const ac = new AbortController();
      wake = () => ac.abort();
      await sleep(options.intervalSeconds * 1000, undefined, { signal: ac.signal }).catch(() => undefined);
      wake = undefined;
      poked = false;
    }
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    await watch.close();
  }
}

export interface PlanOptions {
  readonly output: 'text' | 'json';
}

export async function planCommand(options: PlanOptions): Promise<number> {
  const config = configOrExit();
  const clients = await openClientsOrExit(config, { waitForSlurm: false });
  try {
    const [listing, jobs] = await Promise.all([clients.configDb.listDeployments(), clients.slurm.listJobs()]);
    const commands = planCommands(reducerSettingsOf(config), { ...listing, jobs, now: Date.now() });
    process.stdout.write(options.output === 'json' ? `${JSON.stringify(commands, null, 2)}\n` : `${formatPlan(commands)}\n`);
    return EXIT_OK;
  } finally {
    await clients.close();
  }
}
