// `status` and `plan`: read the Config DB and Slurm, print, change nothing. `status --watch`
// prints the rows the watch stream (streams/cli/status-watch.ts) reports, until a signal or until
// the reader goes away. A dependency that fails them is said as the deployer logs it, with an
// exit code of its own (lib/cli/exit-codes.ts).

import { ReplaySubject, Subject } from 'rxjs';
import { openClientsOrExit, type Clients } from './clients.js';
import type { PlanOptions, StatusOptions } from '../lib/cli/arguments.js';
import { leaderLine, renderStatus, selectStatusRows, showsLeader, statusChangeKey, terminalFrame, watchFailing } from '../lib/cli/status-output.js';
import { pollLine, withFreshness, type FreshStatusRow } from '../lib/cli/status-freshness.js';
import { keepDeleted, shownJobIds } from '../lib/cli/status-deleted.js';
import { jobIdsNamed, statusJobReader, type StatusJobReader } from '../lib/cli/status-jobs.js';
import { readCurrentLeader } from '../lib/configdb/current-leader.js';
import { readPollMark } from '../lib/configdb/poll-mark.js';
import { planCommands } from '../lib/core/plan.js';
import { renderPlan } from '../lib/cli/plan-output.js';
import type { SlurmJob } from '../lib/core/slurm-job.js';
import type { DeployerConfig } from '../lib/config/deployer-config.js';
import { reducerSettingsOf } from '../lib/config/reducer-settings.js';
import { EXIT_OK } from '../lib/cli/exit-codes.js';
import { configDbTrouble, saying, slurmCallTrouble } from '../lib/cli/command-trouble.js';
import { watchReads } from '../streams/cli/status-watch.js';
import { configOrExit } from './run.js';

/** One read of everything `status` shows. */
interface StatusView {
  readonly rows: FreshStatusRow[];
  readonly jobs: readonly SlurmJob[];
  /** The lines under a table: the leader, the last poll (its age changes with time alone). */
  readonly leader?: string | undefined;
  readonly poll?: string | undefined;
}

export async function statusCommand(options: StatusOptions): Promise<number> {
  const config = configOrExit();
  const clients = await openClients(config);
  try {
    if (!options.watch) {
      const view = await readView(clients, config, options, statusJobReader(clients.slurm));
      process.stdout.write(renderView(view, options, false));
      return EXIT_OK;
    }
    await watchStatus(clients, config, options);
    return EXIT_OK;
  } finally {
    await clients.close();
  }
}

function openClients(config: DeployerConfig): Promise<Clients> {
  return saying(openClientsOrExit(config, { waitForSlurm: false }), (error) => slurmCallTrouble(error, config));
}

/** One read; `alsoJobIds`: jobs of rows shown before (a watch keeps a deleted deployment's row until its job ended). */
async function readView(clients: Clients, config: DeployerConfig, options: StatusOptions, reader: StatusJobReader, alsoJobIds: readonly number[] = []): Promise<StatusView> {
  const tables = showsLeader(options.output);
  const listed = saying(clients.configDb.listDeployments(), (error) => configDbTrouble(error, config));
  // Where Slurm reads jobs by id, the ones the states name; else the whole list, at once.
  const named = reader.byId ? listed.then((l) => [...jobIdsNamed(l, options.ids), ...alsoJobIds]) : Promise.resolve([]);
  const [listing, jobs, leader, poll] = await Promise.all([
    listed,
    named.then((ids) => saying(reader.read(ids), (error) => slurmCallTrouble(error, config))),
    tables ? readCurrentLeader(config.configDb, config.job.label) : undefined,
    readPollMark(config.configDb, config.job.label),
  ]);
  const now = Date.now();
  const mark = poll !== undefined && 'mark' in poll ? poll.mark : undefined;
  const rows = withFreshness(selectStatusRows(listing, jobs, config.job.label, now, options.ids), jobs, mark, now);
  return { rows, jobs, leader: leader === undefined ? undefined : leaderLine(leader), poll: pollLine(poll, rows, now) };
}

function renderView(view: StatusView, options: StatusOptions, watching: boolean): string {
  const lines = [view.leader, view.poll].filter((l): l is string => l !== undefined);
  const footer = showsLeader(options.output) ? lines.map((l) => `${l}\n`).join('') : '';
  return renderStatus(view.rows, options.output, watching) + footer;
}

async function watchStatus(clients: Clients, config: DeployerConfig, options: StatusOptions): Promise<void> {
  const clear = process.stdout.isTTY && showsLeader(options.output);
  const stop = new ReplaySubject<void>(1);
  const stopNow = () => stop.next();
  process.once('SIGINT', stopNow).once('SIGTERM', stopNow);
  process.stdout.on('error', stopNow); // the reader went away (`| head`)
  const changes = new Subject<void>();
  const troubled = (error: unknown) => configDbTrouble(error, config);
  const listing = await saying(clients.configDb.listDeployments(), troubled);
  const watch = await saying(clients.configDb.watchDeployments(listing.revision, { change: () => changes.next(), lost: () => undefined }), troubled);
  // A deployment deleted while watched stays until its job is seen ended.
  let shown: FreshStatusRow[] = [];
  const reader = statusJobReader(clients.slurm);
  const read = async (): Promise<StatusView> => {
    const view = await readView(clients, config, options, reader, shownJobIds(shown));
    shown = keepDeleted(shown, view.rows, view.jobs);
    return { ...view, rows: shown };
  };
  try {
    await watchReads({
      read,
      changeKey: (view) => statusChangeKey(view.rows, view.leader),
      pokes: changes,
      stop,
      intervalMs: options.intervalSeconds * 1000,
    }).forEach((note) => {
      if (note.kind === 'failing') {
        process.stderr.write(watchFailing(note.message));
        return;
      }
      const text = renderView(note.rows, options, true);
      process.stdout.write(clear ? terminalFrame(text, new Date()) : text);
    });
  } finally {
    process.off('SIGINT', stopNow).off('SIGTERM', stopNow);
    await watch.close();
  }
}

export async function planCommand(options: PlanOptions): Promise<number> {
  const config = configOrExit();
  const clients = await openClients(config);
  try {
    const [listing, jobs] = await Promise.all([
      saying(clients.configDb.listDeployments(), (error) => configDbTrouble(error, config)),
      saying(clients.slurm.listJobs(), (error) => slurmCallTrouble(error, config)),
    ]);
    const commands = planCommands(reducerSettingsOf(config), { ...listing, jobs, now: Date.now() });
    process.stdout.write(renderPlan(commands, options.output));
    return EXIT_OK;
  } finally {
    await clients.close();
  }
}
