// `status` and `plan`: read the Config DB and Slurm, print, change nothing. `status --watch`
// prints the rows the watch stream (streams/status-watch.ts) reports, until a signal or until
// the reader goes away.

import { ReplaySubject, Subject } from 'rxjs';
import { openClientsOrExit, type Clients } from './clients.js';
import type { PlanOptions, StatusOptions } from '../lib/cli/arguments.js';
import { leaderLine, renderStatus, selectStatusRows, showsLeader, statusChangeKey, terminalFrame, watchFailing } from '../lib/cli/status-output.js';
import { readCurrentLeader } from '../lib/configdb/current-leader.js';
import { planCommands } from '../lib/core/plan.js';
import { renderPlan } from '../lib/cli/plan-output.js';
import type { StatusRow } from '../lib/core/status-table.js';
import type { DeployerConfig } from '../lib/config/deployer-config.js';
import { reducerSettingsOf } from '../lib/config/reducer-settings.js';
import { watchReads } from '../streams/status-watch.js';
import { configOrExit, EXIT_OK } from './run.js';

export async function statusCommand(options: StatusOptions): Promise<number> {
  const config = configOrExit();
  const clients = await openClientsOrExit(config, { waitForSlurm: false });
  try {
    if (!options.watch) {
      const rows = await readRows(clients, config, options.ids);
      const leader = showsLeader(options.output) ? await readCurrentLeader(config.configDb, config.job.label) : undefined;
      process.stdout.write(renderStatus(rows, options.output, false) + (leader === undefined ? '' : `${leaderLine(leader)}\n`));
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
  return selectStatusRows(listing, jobs, config.job.label, Date.now(), ids);
}

async function watchStatus(clients: Clients, config: DeployerConfig, options: StatusOptions): Promise<void> {
  const clear = process.stdout.isTTY && showsLeader(options.output);
  const stop = new ReplaySubject<void>(1);
  const stopNow = () => stop.next();
  process.once('SIGINT', stopNow).once('SIGTERM', stopNow);
  process.stdout.on('error', stopNow); // the reader went away (`| head`)
  const changes = new Subject<void>();
  const listing = await clients.configDb.listDeployments();
  const watch = await clients.configDb.watchDeployments(listing.revision, { change: () => changes.next(), lost: () => undefined });
  try {
    await watchReads({
      read: () => readRows(clients, config, options.ids),
      changeKey: statusChangeKey,
      pokes: changes,
      stop,
      intervalMs: options.intervalSeconds * 1000,
    }).forEach((note) => {
      if (note.kind === 'failing') {
        process.stderr.write(watchFailing(note.message));
        return;
      }
      const text = renderStatus(note.rows, options.output, true);
      process.stdout.write(clear ? terminalFrame(text, new Date()) : text);
    });
  } finally {
    process.off('SIGINT', stopNow).off('SIGTERM', stopNow);
    await watch.close();
  }
}

export async function planCommand(options: PlanOptions): Promise<number> {
  const config = configOrExit();
  const clients = await openClientsOrExit(config, { waitForSlurm: false });
  try {
    const [listing, jobs] = await Promise.all([clients.configDb.listDeployments(), clients.slurm.listJobs()]);
    const commands = planCommands(reducerSettingsOf(config), { ...listing, jobs, now: Date.now() });
    process.stdout.write(renderPlan(commands, options.output));
    return EXIT_OK;
  } finally {
    await clients.close();
  }
}
