// Small timing helpers: medians of repeated runs, bounded by a time budget per measure.

import { performance } from 'node:perf_hooks';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Runs `run` up to `reps` times (after `warmup` unmeasured runs), fewer once `budgetMs` is spent; median in ms. */
export function timeMedian(run: () => unknown, reps: number, budgetMs = 5000, warmup = 2): number {
  const started = performance.now();
  for (let i = 0; i < warmup && performance.now() - started < budgetMs / 4; i++) run();
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    run();
    samples.push(performance.now() - t);
    if (performance.now() - started > budgetMs) break;
  }
  return median(samples);
}

export function timeOnce<T>(run: () => T): { ms: number; value: T } {
  const t = performance.now();
  const value = run();
  return { ms: performance.now() - t, value };
}
