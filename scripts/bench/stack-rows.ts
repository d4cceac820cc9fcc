// The stack rows of the bench: put -> submit answered on the real local stack against its floor
// (stack-run.ts), at the shipped poll interval and with frequent polls.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from './child.js';
import type { Impl } from './cli.js';
import { row, type Row } from './report.js';
import type { StackRun } from './stack-run.js';
import { STACK_TARGETS } from './targets.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export async function stackRows(impl: Impl, samples: number, budgetMs: number, log: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  // At the shipped poll interval (60 s) a run of samples seldom meets a poll; every 5 s it often
  // does, and the ~0.5 s after each poll (slurmctld listing, the state writes the poll brings)
  // is where the tail of both the deployer and the floor lies.
  for (const [intervalMs, when] of [
    [60_000, ''],
    [5_000, ', polls every 5 s'],
  ] as const) {
    log(`stack ${impl.name}${when} ...`);
    const result = await runChild<StackRun>(path.join(here, 'stack-run.js'), [impl.distRoot, String(samples), String(intervalMs)], budgetMs);
    const base = { section: 'stack' as const, impl: impl.name, n: samples };
    if (!result.ok) {
      rows.push({ ...base, measure: `put -> submit answered${when}`, unit: 'ms', status: 'skipped', note: result.reason });
      continue;
    }
    const r = result.value;
    const target = <T>(t: T) => (when === '' ? t : undefined);
    rows.push(
      row({ ...base, measure: `floor p50 (etcd watch + one POST)${when}`, value: r.floorP50Ms, unit: 'ms', status: 'measured' }, undefined),
      row({ ...base, measure: `put -> submit answered p50${when}`, value: r.p50Ms, unit: 'ms', status: 'measured' }, undefined),
      row({ ...base, measure: `put -> submit p50 / floor p50${when}`, value: r.p50Ms / r.floorP50Ms, unit: '', status: 'measured' }, target(STACK_TARGETS.p50OverFloor)),
      row({ ...base, measure: `put -> submit answered p99${when}`, value: r.p99Ms, unit: 'ms', status: 'measured', ...(when === '' ? { note: 'target for a quiet machine' } : {}) }, target(STACK_TARGETS.p99)),
      // How quiet the machine was: the floor's own tail, in the same run, and the deployer's beside it.
      row({ ...base, measure: `floor p99 (etcd watch + one POST)${when}`, value: r.floorP99Ms, unit: 'ms', status: 'measured' }, undefined),
      row({ ...base, measure: `put -> submit p99 / floor p99${when}`, value: r.p99Ms / r.floorP99Ms, unit: '', status: 'measured' }, undefined),
    );
  }
  return rows;
}
