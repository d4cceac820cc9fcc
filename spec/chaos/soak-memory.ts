// Each replica's memory through the soak: VmRSS and VmHWM from /proc/PID/status every 10 s, and
// the figures the table gives: the peak, and the slope over the last minutes. What is not a
// leak is kept out of the slope: a replica killed -9 comes back as a new process whose RSS starts
// low again, a replica that takes the leadership holds the world and polls Slurm (a step up), and
// a new process's RSS climbs for its first minutes (V8 sizes its young and old generations to the
// load, code is compiled and optimized) before it levels off. So the slope is the growth within
// segments (a process in one role: least squares with an intercept of each segment's own), each
// process's warm-up and the first minutes after each change of role left out.

import { memoryMB } from '../../scripts/bench/production/release.js';
import { memoryOfMetrics, type MemoryBreakdown } from './soak-metrics.js';

export interface RssSample {
  readonly replica: string;
  readonly pid: number;
  readonly atMs: number;
  readonly rssMB: number;
  readonly hwmMB: number;
  /** Whether it held the leadership when sampled (read from etcd just before). */
  readonly leading: boolean;
  /** Where the memory is, as the process's `/metrics` says (absent: it did not answer within 2 s, e.g. frozen). */
  readonly breakdown?: MemoryBreakdown;
}

export interface Slope {
  /** MB per 10 minutes. */
  readonly mbPer10Min: number;
  readonly segments: number;
  readonly samples: number;
  /** Minutes the samples used span, summed over segments. */
  readonly minutes: number;
}

export interface SlopeWindow {
  /** Samples before this are not used. */
  readonly fromMs: number;
  /** Of each process, the samples of its first minutes are not used. */
  readonly warmupMs: number;
  /** Nor those of the first minutes after it took or lost the leadership. */
  readonly settleMs: number;
}

const TEN_MINUTES_MS = 600_000;

/** Segments of one replica's samples (in time order): a new one at each new process and each change of role. */
function segmentsOf(samples: readonly RssSample[], window: SlopeWindow): RssSample[][] {
  const out: RssSample[][] = [];
  let current: RssSample[] = [];
  let processStart = 0;
  let roleStart = 0;
  let previous: RssSample | undefined;
  for (const s of [...samples].sort((a, b) => a.atMs - b.atMs)) {
    if (previous?.pid !== s.pid) {
      processStart = s.atMs;
      roleStart = Number.NEGATIVE_INFINITY;
    } else if (previous.leading !== s.leading) {
      roleStart = s.atMs;
    }
    if (previous === undefined || previous.pid !== s.pid || previous.leading !== s.leading) {
      if (current.length > 0) out.push(current);
      current = [];
    }
    previous = s;
    if (s.atMs >= window.fromMs && s.atMs >= processStart + window.warmupMs && s.atMs >= roleStart + window.settleMs) current.push(s);
  }
  if (current.length > 0) out.push(current);
  return out.filter((segment) => segment.length >= 2);
}

/** The least-squares slope of one replica's RSS over time with an intercept per segment; undefined without two samples in one. */
export function slopeWithinSegments(samples: readonly RssSample[], window: SlopeWindow): Slope | undefined {
  const segments = segmentsOf(samples, window);
  let sxy = 0;
  let sxx = 0;
  let spanMs = 0;
  for (const segment of segments) {
    const mt = segment.reduce((a, s) => a + s.atMs, 0) / segment.length;
    const my = segment.reduce((a, s) => a + s.rssMB, 0) / segment.length;
    for (const s of segment) {
      sxy += (s.atMs - mt) * (s.rssMB - my);
      sxx += (s.atMs - mt) ** 2;
    }
    spanMs += segment.at(-1)!.atMs - segment[0]!.atMs;
  }
  if (sxx === 0) return undefined;
  return { mbPer10Min: (sxy / sxx) * TEN_MINUTES_MS, segments: segments.length, samples: segments.reduce((a, g) => a + g.length, 0), minutes: spanMs / 60_000 };
}

export class RssSampler {
  readonly samples: RssSample[] = [];
  #timer: NodeJS.Timeout | undefined;
  #busy = false;

  constructor(
    private readonly replicas: readonly { readonly id: string; readonly metricsUrl?: string; readonly process: { readonly pid: number | undefined; readonly running: boolean } }[],
    private readonly leader: () => Promise<string | undefined>,
  ) {}

  start(everyMs = 10_000): void {
    this.#timer = setInterval(() => void this.#sample(), everyMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #sample(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const leader = await this.leader().catch(() => undefined);
      for (const r of this.replicas) {
        const pid = r.process.pid;
        if (pid === undefined || !r.process.running) continue;
        const memory = await memoryMB(pid).catch(() => undefined);
        if (memory === undefined || !Number.isFinite(memory.rss)) continue;
        const breakdown = r.metricsUrl === undefined ? undefined : await memoryOfMetrics(r.metricsUrl).catch(() => undefined);
        this.samples.push({ replica: r.id, pid, atMs: Date.now(), rssMB: memory.rss, hwmMB: memory.peak, leading: leader === r.id, ...(breakdown === undefined ? {} : { breakdown }) });
      }
    } finally {
      this.#busy = false;
    }
  }

  peakMB(replica: string): number {
    return Math.max(0, ...this.samples.filter((s) => s.replica === replica).map((s) => s.hwmMB));
  }

  csv(): string {
    const parts = (b: MemoryBreakdown | undefined) => BREAKDOWN_COLUMNS.map((k) => (b === undefined ? '' : b[k].toFixed(2))).join(',');
    return [
      `replica,pid,at_ms,rss_mb,hwm_mb,leading,${BREAKDOWN_COLUMNS.join(',')}`,
      ...this.samples.map((s) => `${s.replica},${s.pid},${s.atMs},${s.rssMB.toFixed(2)},${s.hwmMB.toFixed(2)},${s.leading ? 1 : 0},${parts(s.breakdown)}`),
    ].join('\n');
  }
}

const BREAKDOWN_COLUMNS = ['heapUsedMB', 'heapTotalMB', 'newSpaceMB', 'oldSpaceMB', 'codeSpaceMB', 'externalMB', 'compiledCodeMB'] as const satisfies readonly (keyof MemoryBreakdown)[];

const GC_LINE = /^\[(\d+):(0x[0-9a-f]+)\]\s+\d+ ms: (.*)$/;
const FULL_GC = /^Mark-Compact(?: \([^)]*\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB/;

/**
 * The live heap after each full collection of each replica's main isolate, from V8's `--trace-gc`
 * lines (`--soak-trace-gc`): what JavaScript holds, apart from what the allocator and V8 keep.
 * A worker thread's isolate (the job-list parser) prints beside the main one.
 */
export class GcTrace {
  readonly samples: RssSample[] = [];
  readonly #main = new Map<number, string>();

  hear(replica: string, line: string): void {
    const m = GC_LINE.exec(line);
    if (m === null) return;
    const pid = Number(m[1]);
    // The main isolate collects (scavenges) from the start, before any worker exists.
    if (!this.#main.has(pid)) this.#main.set(pid, m[2]!);
    const full = FULL_GC.exec(m[3]!);
    if (full === null || this.#main.get(pid) !== m[2]) return;
    const heap = Number(full[1]);
    this.samples.push({ replica, pid, atMs: Date.now(), rssMB: heap, hwmMB: heap, leading: false });
  }
}
