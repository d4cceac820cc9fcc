// Samples /healthz twice a second and compares each answer with what must be true at that moment:
// the phases declare windows ("healthy", "failing slurm", ...); a sample that disagrees with the
// window it falls in is a health mismatch. Moments near a transition are not judged.

import type { DeployerUnderTest } from './deployer-under-test.js';

/**
 * healthy: 200, unless `stuck()` says a deployment is stuck on a fault of the reducer: then 503
 * failing exactly [deployments], which is the truth. failing: 503 naming that check.
 */
export type Expectation = { readonly healthy: true; readonly stuck: () => boolean } | { readonly healthy: false; readonly failing: string };

/** The truth about stuck deployments, judged when the sample is taken. */
type Stuck = boolean;

interface Sample {
  readonly at: number;
  readonly status: number;
  readonly failing: readonly string[];
  /** What the failing checks said, to tell why when the answer was not the one owed. */
  readonly details: readonly string[];
  /** Per open window: whether a deployment was stuck when the sample was taken. */
  readonly stuck: ReadonlyMap<Window, Stuck>;
}

interface Window {
  readonly from: number;
  to: number;
  readonly expect: Expectation;
  readonly what: string;
}

export class HealthSampler {
  readonly samples: Sample[] = [];
  readonly #windows: Window[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly deployer: DeployerUnderTest,
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.#sample(), 500);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** From now (plus `afterMs`) until `end()` is called, the answer must be `expect`. */
  expect(what: string, expect: Expectation, afterMs = 0): { end(): void } {
    const window: Window = { from: Date.now() + afterMs, to: Number.POSITIVE_INFINITY, expect, what };
    this.#windows.push(window);
    return { end: () => void (window.to = Date.now()) };
  }

  async #sample(): Promise<void> {
    if (!this.deployer.running) return;
    const at = Date.now();
    try {
      const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2000) });
      const body = (await res.json()) as { failing?: string[]; checks?: Record<string, { detail?: string }> };
      const failing = body.failing ?? [];
      const details = failing.map((name) => `${name}: ${body.checks?.[name]?.detail ?? '?'}`);
      const stuck = new Map<Window, Stuck>(this.#windows.filter((w) => w.expect.healthy && at >= w.from && at <= w.to).map((w) => [w, w.expect.healthy && w.expect.stuck()]));
      this.samples.push({ at, status: res.status, failing, details, stuck });
    } catch {
      // Not listening (starting, just killed): not a health answer.
    }
  }

  /** Samples that contradict the window they fall in, described. */
  mismatches(): string[] {
    const wrong: string[] = [];
    for (const s of this.samples) {
      for (const w of this.#windows) {
        if (s.at < w.from || s.at > w.to) continue;
        const ok = w.expect.healthy
          ? s.stuck.get(w) === true
            ? s.status === 503 && s.failing.join() === 'deployments'
            : s.status === 200
          : s.status === 503 && s.failing.includes(w.expect.failing);
        if (!ok) wrong.push(`${w.what}: at +${Math.round((s.at - w.from) / 100) / 10} s /healthz ${s.status} failing [${s.failing.join(',')}]${s.details.map((d) => ` (${d})`).join('')}`);
      }
    }
    return wrong;
  }
}
