// How fresh `status` is: when the leader last polled Slurm (lib/configdb/poll-mark.ts), and, per
// row where the status written in the Config DB is not the one Slurm's job state maps to now, that
// the Config DB is behind and since when (the job's start or end: the leader writes it at its next
// poll). Pure: the caller reads the rows, the jobs and the mark.

import type { PollMark, PollMarkReading } from '../configdb/poll-mark.js';
import type { SlurmJob } from '../core/slurm-job.js';
import { isTerminalStatus, mapJobState } from '../core/status.js';
import type { StatusRow } from '../core/status-table.js';
import { formatAge } from './age-text.js';

/** A row as `status` prints it: the Config DB and Slurm, and how fresh the first is. */
export interface FreshStatusRow extends StatusRow {
  /** The status written is not the one Slurm's job state maps to now. */
  readonly config_db_behind: boolean;
  /** Since when, in seconds (the job started, or ended, that long ago); null when not behind or not known. */
  readonly behind_seconds: number | null;
  /** When the leader last polled Slurm (ISO 8601); null when no leader published one. */
  readonly last_poll: string | null;
  readonly last_poll_age_seconds: number | null;
}

export function withFreshness(rows: readonly StatusRow[], jobs: readonly SlurmJob[], mark: PollMark | undefined, nowMs: number): FreshStatusRow[] {
  const byId = new Map(jobs.map((j) => [j.jobId, j]));
  const lastPoll = mark === undefined ? null : new Date(mark.at).toISOString();
  const lastPollAge = mark === undefined ? null : Math.max(0, Math.floor((nowMs - mark.at) / 1000));
  return rows.map((row) => {
    const job = row.job_id === null ? undefined : byId.get(row.job_id);
    const behind = job !== undefined && row.status !== mapJobState(job.state).status;
    const since = behind ? changedAt(job) : undefined;
    return {
      ...row,
      config_db_behind: behind,
      behind_seconds: since === undefined ? null : Math.max(0, Math.floor(nowMs / 1000 - since)),
      last_poll: lastPoll,
      last_poll_age_seconds: lastPollAge,
    };
  });
}

/** When Slurm's job took the state it has now (seconds since the epoch), when Slurm says. */
function changedAt(job: SlurmJob): number | undefined {
  const status = mapJobState(job.state).status;
  if (isTerminalStatus(status)) return job.endTime;
  if (status === 'RUNNING') return job.startTime;
  return job.submitTime;
}

/** The line under the table: when Slurm was last polled, and what `behind` means when a row is. */
export function pollLine(reading: PollMarkReading | undefined, rows: readonly FreshStatusRow[], nowMs: number): string | undefined {
  if (reading === undefined) return undefined;
  const behind = rows.some((r) => r.config_db_behind) ? `; "behind": Slurm's state is newer than the status written, which the leader writes at its next poll` : '';
  if ('unreadable' in reading) return `last Slurm poll: unknown (${reading.unreadable})${behind}`;
  const mark = reading.mark;
  if (mark === undefined) return `last Slurm poll: none published (no leader has polled yet)${behind}`;
  return `last Slurm poll: ${formatAge((nowMs - mark.at) / 1000)} ago by ${mark.replica} (term ${mark.term})${behind}`;
}
