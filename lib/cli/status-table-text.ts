// The `status` table: one line per deployment row, aligned, with a header; ages as age-text.ts
// says them.

import type { StatusRow } from '../core/status-table.js';
import { formatAge } from './age-text.js';
import { alignColumns } from './aligned-columns.js';
import type { FreshStatusRow } from './status-freshness.js';

const show = (value: string | number | null): string => (value === null ? '-' : String(value));

const COLUMNS: readonly (readonly [string, (r: StatusRow) => string])[] = [
  ['DEPLOYMENT', (r) => r.deployment],
  ['JOB', (r) => show(r.job_id)],
  ['SLURM STATE', (r) => show(r.slurm_state)],
  ['STATUS', (r) => statusCell(r)],
  ['AGE', (r) => (r.age_seconds === null ? '-' : formatAge(r.age_seconds))],
];
const WIDE_COLUMNS: typeof COLUMNS = [
  ['EXIT', (r) => show(r.exit_code)],
  ['SUBMIT', (r) => show(r.submit_id)],
  ['GEN', (r) => show(r.generation)],
];
const REASON: (typeof COLUMNS)[number] = ['REASON', (r) => r.reason ?? ''];

/** Rows as an aligned text table with a header line; `wide` adds exit code, submit id, generation. */
export function formatTable(rows: readonly StatusRow[], wide = false): string {
  const columns = [...COLUMNS, ...(wide ? WIDE_COLUMNS : []), REASON];
  return alignColumns([columns.map(([title]) => title), ...rows.map((r) => columns.map(([, cell]) => cell(r)))]);
}

/** The STATUS cell: the status written, and how far behind Slurm it is. */
export function statusCell(row: StatusRow & Partial<Pick<FreshStatusRow, 'config_db_behind' | 'behind_seconds'>>): string {
  const status = row.status ?? '-';
  if (row.config_db_behind !== true) return status;
  return row.behind_seconds === null || row.behind_seconds === undefined ? `${status} (behind)` : `${status} (behind ${formatAge(row.behind_seconds)})`;
}
