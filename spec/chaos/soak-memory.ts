// Each replica's memory through the soak: VmRSS and VmHWM from /proc/PID/status every 10 s, and
// the figures the table gives: the peak, and the slope over the last minutes. A replica killed
// -9 comes back as a new process whose RSS starts low again: the slope is the growth within
// processes (least squares with an intercept of each process's own), each process's first
// minutes left out (its heap grows to its working size as it lists and, leading, polls).

import { memoryMB } from '../../scripts/bench/production/release.js';

export interface RssSample {
  readonly replica: string;
  readonly pid: number;
  readonly atMs: number;
  readonly rssMB: number;
  readonly hwmMB: number;
  /** Whether it held the leadership when sampled (read from etcd just before). */
  readonly leading: boolean;
}

export interface Slope {
  /** MB per 10 minutes. */
  readonly mbPer10Min: number;
  readonly processes: number;
  readonly samples: number;
  /** Minutes the samples used span, summed over processes. */
  readonly minutes: number;
}

const TEN_MINUTES_MS = 600_000;

/**
 * The least-squares slope of RSS over time with an intercept per process, from samples taken at
 * or after `fromMs`, each process's samples before its first one + `warmupMs` left out.
 */
export function slopeWithinProcesses(samples: readonly RssSample[], fromMs: number, warmupMs: number): Slope | undefined {
  const first = new Map<number, number>();
  for (const s of samples) if (!first.has(s.pid) || s.atMs < first.get(s.pid)!) first.set(s.pid, s.atMs);
  const groups = new Map<number, RssSample[]>();
  for (const s of samples) if (s.atMs >= fromMs && s.atMs >= first.get(s.pid)! + warmupMs) groups.set(s.pid, [...(groups.get(s.pid) ?? []), s]);
  let sxy = 0;
  let sxx = 0;
  let used = 0;
  let spanMs = 0;
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const mt = group.reduce((a, s) => a + s.atMs, 0) / group.length;
    const my = group.reduce((a, s) => a + s.rssMB, 0) / group.length;
    for (const s of group) {
      sxy += (s.atMs - mt) * (s.rssMB - my);
      sxx += (s.atMs - mt) ** 2;
    }
    used += group.length;
    spanMs += Math.max(...group.map((s) => s.atMs)) - Math.min(...group.map((s) => s.atMs));
  }
  if (sxx === 0) return undefined;
  return { mbPer10Min: (sxy / sxx) * TEN_MINUTES_MS, processes: [...groups.values()].filter((g) => g.length >= 2).length, samples: used, minutes: spanMs / 60_000 };
}

export class RssSampler {
  readonly samples: RssSample[] = [];
  #timer: NodeJS.Timeout | undefined;
  #busy = false;

  constructor(
    private readonly replicas: readonly { readonly id: string; readonly process: { readonly pid: number | undefined; readonly running: boolean } }[],
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
        if (memory !== undefined && Number.isFinite(memory.rss)) this.samples.push({ replica: r.id, pid, atMs: Date.now(), rssMB: memory.rss, hwmMB: memory.peak, leading: leader === r.id });
      }
    } finally {
      this.#busy = false;
    }
  }

  peakMB(replica: string): number {
    return Math.max(0, ...this.samples.filter((s) => s.replica === replica).map((s) => s.hwmMB));
  }

  csv(): string {
    return ['replica,pid,at_ms,rss_mb,hwm_mb,leading', ...this.samples.map((s) => `${s.replica},${s.pid},${s.atMs},${s.rssMB.toFixed(2)},${s.hwmMB.toFixed(2)},${s.leading ? 1 : 0}`)].join('\n');
  }
}

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
