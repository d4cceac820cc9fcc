// `deployer status`: one row per slurm deployment, from the Config DB (its state as written)
// and Slurm (its job as it is now). Pure: the caller reads both and prints the rows.

import type { DeploymentState } from './deployment-state.js';
import type { DeploymentEntry, InvalidDeployment } from './events.js';
import { stateOfJob } from './job-observation.js';
import { parseJobIdentity, type SlurmJob } from './slurm-job.js';
import { formatJobState } from './status.js';

/** An invalid deployment as listed, with the state the deployer wrote for it (FAILED), if read. */
export type ListedInvalidDeployment = InvalidDeployment & { readonly priorState?: DeploymentState };

/** One deployment as `status -o json|yaml` prints it; absent facts are null. */
export interface StatusRow {
  readonly deployment: string;
  readonly job_id: number | null;
  /** The job's state as Slurm reports it now; `<state> (gone)` for a job Slurm no longer lists. */
  readonly slurm_state: string | null;
  /** As written in the Config DB. */
  readonly status: string | null;
  readonly reason: string;
  /** When the job was submitted, ISO 8601. */
  readonly submitted: string | null;
  /** Seconds since then. */
  readonly age_seconds: number | null;
  readonly exit_code: number | null;
  readonly submit_id: string | null;
  readonly generation: number | null;
}

export function statusRows(
  deployments: readonly DeploymentEntry[],
  invalid: readonly ListedInvalidDeployment[],
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
      const submitted = job?.submitTime;
      return {
        deployment: d.id,
        job_id: job?.jobId ?? state?.job_id ?? null,
        slurm_state: job ? formatJobState(job.state) : state?.slurm_state ? `${state.slurm_state} (gone)` : null,
        status: state?.status ?? null,
        reason: state?.reason ?? (job ? (stateOfJob(job).reason ?? '') : ''),
        submitted: submitted === undefined ? null : new Date(submitted * 1000).toISOString(),
        age_seconds: submitted === undefined ? null : Math.max(0, Math.floor(nowMs / 1000 - submitted)),
        exit_code: job?.exitCode?.status ?? state?.exit_code ?? null,
        submit_id: (job && parseJobIdentity(job.comment)?.submitId) ?? null,
        generation: state?.generation ?? null,
      };
    });
  for (const bad of invalid) {
    rows.push({
      deployment: bad.id,
      job_id: null,
      slurm_state: null,
      status: bad.priorState?.status ?? null,
      reason: bad.reason,
      submitted: null,
      age_seconds: null,
      exit_code: null,
      submit_id: null,
      generation: null,
    });
  }
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

const show = (value: string | number | null): string => (value === null ? '-' : String(value));

const COLUMNS: readonly (readonly [string, (r: StatusRow) => string])[] = [
  ['DEPLOYMENT', (r) => r.deployment],
  ['JOB', (r) => show(r.job_id)],
  ['SLURM STATE', (r) => show(r.slurm_state)],
  ['STATUS', (r) => show(r.status)],
  ['AGE', (r) => (r.age_seconds === null ? '-' : formatAge(r.age_seconds))],
];
const WIDE_COLUMNS: typeof COLUMNS = [
  ['EXIT', (r) => show(r.exit_code)],
  ['SUBMIT', (r) => show(r.submit_id)],
  ['GEN', (r) => show(r.generation)],
];
const REASON: (typeof COLUMNS)[number] = ['REASON', (r) => r.reason];

/** Rows as an aligned text table with a header line; `wide` adds exit code, submit id, generation. */
export function formatTable(rows: readonly StatusRow[], wide = false): string {
  const columns = [...COLUMNS, ...(wide ? WIDE_COLUMNS : []), REASON];
  return alignColumns([columns.map(([title]) => title), ...rows.map((r) => columns.map(([, cell]) => cell(r)))]);
}

/** Cells padded to their column's width, two spaces apart; the last column is not padded. */
export function alignColumns(lines: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const cells of lines) cells.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return lines
    .map((cells) =>
      cells
        .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
