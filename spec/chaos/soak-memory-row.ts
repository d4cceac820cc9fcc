// The soak table's memory row. The slope over the last 20 minutes is told by the memory witness:
// the replica the soak starts first (it leads first, through the warm-up) and never kills -9, so
// one process spans the whole window, leading and following, frozen and partitioned like the
// others. A killed replica's processes are too young for a 20-minute slope: their peaks and their
// growth within each process past its warm-up are shown, and do not count.

import type { Row } from './ledger.js';
import { slopeWithinSegments, type RssSample, type Slope } from './soak-memory.js';
import type { MemoryBreakdown } from './soak-metrics.js';

export interface MemoryWindow {
  /** The replica never killed. */
  readonly witness: string;
  readonly replicas: readonly string[];
  /** When the load stopped: the window ends there. */
  readonly endMs: number;
  readonly windowMs: number;
  /** A process's first minutes, left out. */
  readonly warmupMs: number;
  /** Fewer minutes past the warm-up tell no slope. */
  readonly minMinutes: number;
  /** MB per 10 minutes the witness's RSS slope must stay under. */
  readonly boundMB: number;
}

const signed = (slope: Slope | undefined) => (slope === undefined ? 'none' : `${slope.mbPer10Min >= 0 ? '+' : ''}${slope.mbPer10Min.toFixed(2)}`);

/**
 * `liveHeap`: the heap after each full collection (GcTrace, with --soak-trace-gc), shown beside
 * the witness's RSS: what V8's cycle of old-space growth does not move, a leak does. Not counted.
 */
export function memoryRow(samples: readonly RssSample[], w: MemoryWindow, liveHeap: readonly RssSample[] = []): Row {
  const fromMs = w.endMs - w.windowMs;
  const details: string[] = [];
  let over = 0;
  for (const replica of w.replicas) {
    // Roles are not segments here: a follower keeps the memory its leading took (V8 returns little).
    const own = samples.filter((s) => s.replica === replica && s.atMs <= w.endMs).map((s) => ({ ...s, leading: false }));
    const peak = Math.max(0, ...own.map((s) => s.hwmMB));
    const inWindow = own.filter((s) => s.atMs >= fromMs);
    const processes = new Set(inWindow.map((s) => s.pid)).size;
    const rss = slopeWithinSegments(own, { fromMs, warmupMs: w.warmupMs, settleMs: 0 });
    const told = rss !== undefined && rss.minutes >= w.minMinutes;
    if (replica === w.witness) {
      const whole = processes === 1 && told && rss.minutes >= (w.windowMs - w.warmupMs) / 60_000 - 1;
      if (!whole || !(rss.mbPer10Min < w.boundMB)) over++;
      details.push(
        `${replica} (witness, never killed): RSS ${whole ? `${signed(rss)} MB / 10 min over ${rss.minutes.toFixed(1)} min` : `not measurable (${processes} process(es) in the window, ${rss?.minutes.toFixed(1) ?? 0} min past warm-up)`}; ` +
          `peak ${peak.toFixed(1)} MB; ${breakdownSlopes(inWindow)}${liveHeapSlope(liveHeap, replica, fromMs, w.endMs)}`,
      );
    } else {
      details.push(
        `${replica}: peak ${peak.toFixed(1)} MB; ${processes} process(es) in the window (killed -9 by the soak), ` +
          `RSS within each past its warm-up ${told ? `${signed(rss)} MB / 10 min over ${rss.minutes.toFixed(1)} min` : 'too young to tell'} (not counted)`,
      );
    }
  }
  return { name: `RSS slope >= ${w.boundMB} MB / 10 min (last ${w.windowMs / 60_000} min)`, count: over, details };
}

/** The slopes of the heap's parts and of what lies outside the heap, in the witness's window. */
function breakdownSlopes(samples: readonly RssSample[]): string {
  const parts: [string, (b: MemoryBreakdown, rss: number) => number][] = [
    ['heap used', (b) => b.heapUsedMB],
    ['of it compiled code', (b) => b.compiledCodeMB],
    ['heap used less compiled code', (b) => b.heapUsedMB - b.compiledCodeMB],
    ['heap reserved', (b) => b.heapTotalMB],
    ['new space', (b) => b.newSpaceMB],
    ['old space', (b) => b.oldSpaceMB],
    ['code', (b) => b.codeSpaceMB],
    ['external', (b) => b.externalMB],
    ['outside the heap', (b, rss) => rss - b.heapTotalMB],
  ];
  const read = samples.filter((s) => s.breakdown !== undefined);
  if (read.length < 2) return 'no /metrics breakdown';
  const last = read.at(-1)!;
  return (
    'MB / 10 min (last MB): ' +
    parts
      .map(([name, of]) => {
        const series = read.map((s) => ({ ...s, rssMB: of(s.breakdown!, s.rssMB) }));
        const slope = slopeWithinSegments(series, { fromMs: 0, warmupMs: 0, settleMs: 0 });
        return `${name} ${signed(slope)} (${of(last.breakdown!, last.rssMB).toFixed(1)})`;
      })
      .join(', ')
  );
}

/** The slope of the witness's live heap after full collections in the window, as `; live heap ...`; nothing without two. */
function liveHeapSlope(liveHeap: readonly RssSample[], replica: string, fromMs: number, endMs: number): string {
  const own = liveHeap.filter((s) => s.replica === replica && s.atMs >= fromMs && s.atMs <= endMs);
  const slope = slopeWithinSegments(own, { fromMs, warmupMs: 0, settleMs: 0 });
  if (slope === undefined) return '';
  return `; live heap after full collections ${signed(slope)} MB / 10 min (${own[0]!.rssMB.toFixed(1)} -> ${own.at(-1)!.rssMB.toFixed(1)} MB, ${own.length} collections)`;
}
