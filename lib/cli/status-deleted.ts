// `status --watch` keeps a deployment deleted while it watches until its job has ended, so that
// the cancellation can be seen: a row gone from the Config DB whose job Slurm still shows stays,
// with the job's state now, until a read has shown the job ended (CANCELLED, as a rule). Pure.

import type { SlurmJob } from '../core/slurm-job.js';
import { formatJobState, isTerminalStatus, mapJobState } from '../core/status.js';
import type { FreshStatusRow } from './status-freshness.js';

const DELETED = 'deployment deleted: ';

/** `current` and the rows of `previous` deleted since, whose job is still to be seen ended. */
export function keepDeleted(previous: readonly FreshStatusRow[], current: readonly FreshStatusRow[], jobs: readonly SlurmJob[]): FreshStatusRow[] {
  const listed = new Set(current.map((r) => r.deployment));
  const byId = new Map(jobs.map((j) => [j.jobId, j]));
  const kept: FreshStatusRow[] = [];
  for (const row of previous) {
    if (listed.has(row.deployment) || row.job_id === null) continue;
    const job = byId.get(row.job_id);
    if (job === undefined) continue;
    const slurmState = formatJobState(job.state);
    const ended = isTerminalStatus(mapJobState(job.state).status);
    // Its end shown once already: gone now.
    if (ended && isDeletedRow(row) && row.slurm_state === slurmState) continue;
    kept.push({
      ...row,
      slurm_state: slurmState,
      status: null,
      reason: `${DELETED}${ended ? `its job ended (${slurmState})` : 'its job is being cancelled'}`,
      exit_code: null,
      config_db_behind: false,
      behind_seconds: null,
    });
  }
  return [...current, ...kept].sort((a, b) => a.deployment.localeCompare(b.deployment));
}

export function isDeletedRow(row: FreshStatusRow): boolean {
  return row.status === null && (row.reason ?? '').startsWith(DELETED);
}

/** The jobs of the rows shown: a deleted deployment's row stays while its job is read. */
export function shownJobIds(rows: readonly FreshStatusRow[]): number[] {
  return rows.flatMap((row) => (row.job_id === null ? [] : [row.job_id]));
}
