// What the production bench watches while the deployer works: the run's jobs as slurmctld has
// them (squeue as root inside the release: exempt from the rate limit, no slurmrestd), and the
// deployer's /healthz once a second (and its /readyz when asked).

import { performance } from 'node:perf_hooks';
import { inRoot, type Release } from './release.js';

export interface SeenJob {
  readonly jobId: number;
  readonly name: string;
  state: string;
  readonly firstSeenMs: number;
}

const ACTIVE = new Set(['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'RESIZING']);

/**
 * Every job of the bench user whose name (the deployment id) starts with `namePrefix`, as often
 * as asked: Slurm forgets ended jobs after MinJobAge (300 s), so a cancelled duplicate is kept
 * here from its first listing on.
 */
export class SlurmJobs {
  readonly seen = new Map<number, SeenJob>();
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> | undefined;
  failures = 0;

  constructor(
    private readonly release: Release,
    private readonly namePrefix: string,
  ) {}

  async read(): Promise<void> {
    const out = await inRoot(this.release.root, ['squeue', '-h', '-a', '-t', 'all', '-u', this.release.benchUser, '-o', '%i|%T|%j']);
    const now = performance.now();
    for (const line of out.split('\n')) {
      const [id, state, name] = line.split('|');
      if (id === undefined || state === undefined || name === undefined || !name.startsWith(this.namePrefix)) continue;
      const jobId = Number(id);
      const known = this.seen.get(jobId);
      if (known === undefined) this.seen.set(jobId, { jobId, name, state, firstSeenMs: now });
      else known.state = state;
    }
  }

  every(ms: number): void {
    this.#timer = setInterval(() => {
      this.#reading ??= this.read()
        .catch(() => void this.failures++)
        .finally(() => (this.#reading = undefined));
    }, ms);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#reading;
  }

  /** Job ids per deployment id. */
  byDeployment(): Map<string, SeenJob[]> {
    const out = new Map<string, SeenJob[]>();
    for (const job of this.seen.values()) out.set(job.name, [...(out.get(job.name) ?? []), job]);
    return out;
  }

  /** Jobs created beyond one per deployment (cancelled ones included). */
  duplicates(): string[] {
    return [...this.byDeployment()].filter(([, jobs]) => jobs.length > 1).map(([id, jobs]) => `${id}: ${jobs.map((j) => `${j.jobId} ${j.state}`).join(', ')}`);
  }

  active(): SeenJob[] {
    return [...this.seen.values()].filter((j) => ACTIVE.has(j.state));
  }
}

export class HealthProbe {
  readonly samples: { readonly atMs: number; readonly status: number | 'no answer' }[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(readonly port: number) {}

  start(): void {
    this.#timer = setInterval(() => {
      const atMs = performance.now();
      fetch(`http://127.0.0.1:${this.port}/healthz`, { signal: AbortSignal.timeout(2000) })
        .then(async (res) => {
          await res.arrayBuffer();
          this.samples.push({ atMs, status: res.status });
        })
        .catch(() => this.samples.push({ atMs, status: 'no answer' }));
    }, 1000);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** The reasons /readyz gives now (`throttled` among them while Slurm throttles the deployer). */
  async readyReasons(): Promise<string[]> {
    const res = await fetch(`http://127.0.0.1:${this.port}/readyz`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { reasons?: unknown };
    return Array.isArray(body.reasons) ? body.reasons.filter((r): r is string => typeof r === 'string') : [];
  }

  /** Samples in [from, to] that were not 200 (a deployer not answering in 2 s included). */
  bad(fromMs: number, toMs: number): number {
    return this.samples.filter((s) => s.atMs >= fromMs && s.atMs <= toMs && s.status !== 200).length;
  }

  count(fromMs: number, toMs: number): number {
    return this.samples.filter((s) => s.atMs >= fromMs && s.atMs <= toMs).length;
  }
}
