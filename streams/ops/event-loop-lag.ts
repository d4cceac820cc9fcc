// How late the event loop runs, from perf_hooks.monitorEventLoopDelay: read in windows of a few
// seconds, so that one slow moment shows for a window and then passes. A health check and a metric.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Summary, type Registry } from 'prom-client';
import { setLongTimeout } from '../time/delay.js';

export interface EventLoopLag {
  /** The 99th percentile of the delay in the last full window (the current one before the first), ms. */
  lagMs(): number;
  /** The largest delay in the last full window, ms. */
  maxMs(): number;
  close(): void;
}

export function watchEventLoopLag(options: { readonly windowMs?: number; readonly registry?: Registry } = {}): EventLoopLag {
  const windowMs = options.windowMs ?? 5_000;
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let last: { p50: number; p99: number; max: number } | undefined;
  // Every delay measured in the windows ended so far, for the summary's _count and _sum (counters).
  let count = 0;
  let sumSeconds = 0;
  let timer: { cancel(): void } | undefined;
  let closed = false;
  const read = () => ({ p50: histogram.percentile(50) / 1e6, p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6 });
  const roll = () => {
    last = read();
    if (histogram.count > 0) {
      count += histogram.count;
      sumSeconds += (histogram.mean * histogram.count) / 1e9;
    }
    histogram.reset();
    if (!closed) timer = setLongTimeout(roll, windowMs, { unref: true });
  };
  timer = setLongTimeout(roll, windowMs, { unref: true });
  // Before the first window ends, what the current one holds; the histogram reads 0 when empty.
  const window = () => last ?? read();

  if (options.registry !== undefined) {
    options.registry.registerMetric(
      new WindowSummary(
        'sdp_slurmdeploy_event_loop_delay_seconds',
        `Event-loop delay (perf_hooks.monitorEventLoopDelay): quantiles over the last ${windowMs / 1000} s window (1 = the largest), count and sum since the start`,
        () => {
          const w = window();
          return { quantiles: [['0.5', w.p50 / 1000], ['0.99', w.p99 / 1000], ['1', w.max / 1000]], count, sum: sumSeconds };
        },
      ),
    );
  }

  return {
    lagMs: () => window().p99,
    maxMs: () => window().max,
    close() {
      closed = true;
      timer?.cancel();
      histogram.disable();
    },
  };
}

/**
 * A summary whose quantiles are those of perf_hooks' histogram, read when scraped: prom-client's
 * Summary computes its own from observations, so its get() is replaced. A summary, not gauges with
 * a `quantile` label, which Prometheus reserves to summaries (`promtool check metrics`).
 */
class WindowSummary extends Summary {
  constructor(name: string, help: string, private readonly read: () => { quantiles: readonly (readonly [string, number])[]; count: number; sum: number }) {
    super({ name, help, registers: [] });
  }

  override async get(): ReturnType<Summary['get']> {
    const base = await super.get();
    const { quantiles, count, sum } = this.read();
    return {
      ...base,
      values: [
        ...quantiles.map(([quantile, value]) => ({ labels: { quantile }, value })),
        { metricName: `${base.name}_sum`, labels: {}, value: sum },
        { metricName: `${base.name}_count`, labels: {}, value: count },
      ],
    };
  }
}
