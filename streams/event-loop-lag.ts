// How late the event loop runs, from perf_hooks.monitorEventLoopDelay: read in windows of a few
// seconds, so that one slow moment shows for a window and then passes. A health check and a metric.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';
import { setLongTimeout } from './delay.js';

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
  let timer: { cancel(): void } | undefined;
  let closed = false;
  const read = () => ({ p50: histogram.percentile(50) / 1e6, p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6 });
  const roll = () => {
    last = read();
    histogram.reset();
    if (!closed) timer = setLongTimeout(roll, windowMs, { unref: true });
  };
  timer = setLongTimeout(roll, windowMs, { unref: true });
  // Before the first window ends, what the current one holds; the histogram reads 0 when empty.
  const window = () => last ?? read();

  if (options.registry !== undefined) {
    new Gauge({
      name: 'sdp_slurmdeploy_event_loop_delay_seconds',
      help: `Event-loop delay over the last ${windowMs / 1000} s window (perf_hooks.monitorEventLoopDelay), by quantile`,
      labelNames: ['quantile'],
      registers: [options.registry],
      collect() {
        const w = window();
        this.set({ quantile: '0.5' }, w.p50 / 1000);
        this.set({ quantile: '0.99' }, w.p99 / 1000);
        this.set({ quantile: '1' }, w.max / 1000);
      },
    });
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
