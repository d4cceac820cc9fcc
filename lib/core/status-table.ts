// `deployer status`: one row per slurm deployment, from the Config DB (its state as written)
// and Slurm (its job as it is now). Pure: the caller reads both and prints the rows.

import type { DeploymentEntry, InvalidDeployment } from './events.js';
import { stateOfJob } from './job-observation.js';
import { parseJobIdentity, type SlurmJob } from './slurm-job.js';
import { formatJobState } from './status.js';

export interface StatusRow {
  readonly deployment: string;
  readonly jobId: string;
  readonly slurmState: string;
  /** As written in the Config DB. */
  readonly status: string;
  readonly reason: string;
  /** Since the job was submitted (or '-'), e.g. `3m12s`. */
  readonly age: string;
}

export function statusRows(
  deployments: readonly DeploymentEntry[],
  invalid: readonly InvalidDeployment[],
  jobs: readonly SlurmJob[],
  label: string,
  nowMs: number,
): StatusRow[] {
  const ours = jobs.filter((j) => j.mcsLabel === label);
  const rows: StatusRow[] = deployments
    .filter((d) => d.kind === 'slurm')
    .map((d) => {
      const state = d.priorState;
      const job = ours.find((j) => j.jobId === state?.job_id) ?? newestJobOf(ours, d.id);
      return {
        deployment: d.id,
        jobId: job ? String(job.jobId) : state?.job_id !== undefined ? String(state.job_id) : '-',
        slurmState: job ? formatJobState(job.state) : state?.slurm_state ? `${state.slurm_state} (gone)` : '-',
        status: state?.status ?? '-',
        reason: state?.reason ?? (job ? (stateOfJob(job).reason ?? '') : ''),
        age: job?.submitTime !== undefined ? formatAge(nowMs / 1000 - job.submitTime) : '-',
      };
    });
  for (const bad of invalid) rows.push({ deployment: bad.id, jobId: '-', slurmState: '-', status: '-', reason: bad.reason, age: '-' });
  return rows.sort((a, b) => a.deployment.localeCompare(b.deployment));
}

function newestJobOf(jobs: readonly SlurmJob[], id: string): SlurmJob | undefined {
  return jobs
    .filter((j) => (parseJobIdentity(j.comment)?.deploymentId ?? j.name) === id)
    .sort((a, b) => a.jobId - b.jobId)
    .at(-1);
}

export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
}

/** Rows as an aligned text table with a header line. */
export function formatTable(rows: readonly StatusRow[]): string {
  const header: StatusRow = { deployment: 'DEPLOYMENT', jobId: 'JOB', slurmState: 'SLURM STATE', status: 'STATUS', reason: 'REASON', age: 'AGE' };
  const columns: (keyof StatusRow)[] = ['deployment', 'jobId', 'slurmState', 'status', 'age', 'reason'];
  const all = [header, ...rows];
  const widths = columns.map((c) => Math.max(...all.map((r) => r[c].length)));
  return all.map((r) => columns.map((c, i) => (i === columns.length - 1 ? r[c] : r[c].padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}
