// What `status` prints: the rows of the deployments asked for, rendered as a table, JSON or
// YAML; when a row has changed (the passing of time aside); the line naming the leader; and,
// watching, the frame that clears a terminal and the note of a failing read.

import type { DeploymentListing } from '../configdb/config-db.js';
import type { LeaderReading } from '../configdb/current-leader.js';
import type { SlurmJob } from '../core/slurm-job.js';
import { statusRows, type StatusRow } from '../core/status-table.js';
import { formatTable } from './status-table-text.js';
import type { StatusOptions } from './arguments.js';
import { toYaml } from './yaml.js';

/** The rows of the listing's slurm deployments and their jobs (only `ids`, when some are given). */
export function selectStatusRows(listing: DeploymentListing, jobs: readonly SlurmJob[], label: string, nowMs: number, ids: readonly string[]): StatusRow[] {
  const invalid = listing.invalid.map((i) => ({ ...i, priorState: listing.invalidStates?.get(i.id) }));
  const rows = statusRows(listing.deployments, invalid, jobs, label, nowMs);
  return ids.length === 0 ? rows : rows.filter((r) => ids.includes(r.deployment));
}

/** Tables end with the leader line; JSON and YAML keep their one array. */
export function showsLeader(output: StatusOptions['output']): boolean {
  return output === 'table' || output === 'wide';
}

export function renderStatus(rows: readonly StatusRow[], output: StatusOptions['output'], watching: boolean): string {
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

/** What a change is: anything but the passing of time (ages, how long behind, the last poll's time). */
export function statusChangeKey(rows: readonly StatusRow[], leader?: string): string {
  const timeless = rows.map((row) => {
    const { age_seconds: _a, behind_seconds: _b, last_poll: _p, last_poll_age_seconds: _q, ...rest } = row as StatusRow & Record<string, unknown>;
    return rest;
  });
  return JSON.stringify(leader === undefined ? timeless : { timeless, leader });
}

/** `leader: <replica> (term <n>)`, `leader: none`, or why it cannot be read. */
export function leaderLine(reading: LeaderReading): string {
  if ('unreadable' in reading) return `leader: unknown (${reading.unreadable})`;
  const { leader } = reading;
  return leader === undefined ? 'leader: none' : `leader: ${leader.replicaId} (term ${leader.term})`;
}

/** A watched table on a terminal: the screen cleared, the time, then the table. */
export function terminalFrame(text: string, at: Date): string {
  return `\x1b[H\x1b[2J${at.toISOString()}\n${text}`;
}

/** Said once when the reads of a watch start failing; it goes on reading. */
export function watchFailing(message: string): string {
  return `status --watch: ${message}; trying again\n`;
}
