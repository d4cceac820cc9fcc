// The bench's result: rows of (measure, implementation, N, value, target, pass, ratio to the
// baseline), printed as a table and written as JSON.

import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Target } from './targets.js';

export interface Row {
  readonly section: 'reducer' | 'pipeline' | 'stack' | 'production';
  readonly measure: string;
  /** `current`, `baseline`, or either `+stub reducer` (the pipeline's own costs, with an O(1) reducer). */
  readonly impl: string;
  readonly n: number;
  readonly value?: number;
  readonly unit: string;
  /** measured; estimated (not run: over budget); skipped (nothing to estimate from). */
  readonly status: 'measured' | 'estimated' | 'skipped';
  readonly note?: string;
  readonly target?: string;
  readonly pass?: boolean;
  /** value / the baseline's value of the same measure and N. */
  readonly vsBaseline?: number;
}

export function row(base: Omit<Row, 'target' | 'pass'>, target: Target | undefined): Row {
  if (target === undefined) return base;
  return { ...base, target: target.text, ...(base.value === undefined || Number.isNaN(base.value) ? {} : { pass: target.pass(base.value) }) };
}

/** Adds to each current row its ratio to the baseline's row of the same measure and N. */
export function withRatios(rows: readonly Row[]): Row[] {
  // `current+stub reducer` is compared with `baseline+stub reducer`, and so on.
  const key = (r: Row, impl = r.impl) => `${r.section}|${r.measure}|${r.n}|${impl}`;
  const baseline = new Map(rows.filter((r) => r.impl.startsWith('baseline')).map((r) => [key(r), r]));
  return rows.map((r) => {
    const b = baseline.get(key(r, r.impl.replace(/^current/, 'baseline')));
    if (r.impl.startsWith('baseline') || b?.value === undefined || r.value === undefined || b.value === 0) return r;
    return { ...r, vsBaseline: r.value / b.value };
  });
}

function format(value: number | undefined, unit: string): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit === '' ? text : `${text} ${unit}`;
}

export function table(rows: readonly Row[]): string {
  const header = ['section', 'measure', 'impl', 'N', 'value', 'target', 'pass', 'vs baseline', 'note'];
  const lines = rows.map((r) => [
    r.section,
    r.measure,
    r.impl,
    r.n.toLocaleString('en-US'),
    `${r.status === 'estimated' ? '~' : ''}${format(r.value, r.unit)}`,
    r.target ?? '-',
    r.pass === undefined ? '-' : r.pass ? 'pass' : 'FAIL',
    r.vsBaseline === undefined ? '-' : `${r.vsBaseline.toFixed(2)}x`,
    r.status === 'measured' ? (r.note ?? '') : `${r.status}${r.note ? `: ${r.note}` : ''}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const render = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...lines.map(render)].join('\n');
}

export async function writeResults(file: string, meta: Record<string, unknown>, rows: readonly Row[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify({ ...meta, rows }, null, 2)}\n`);
}
