// The last full job list one client received, and the `update_time` that asks slurmctld
// "has any job changed since?". Pure: the caller says when it sent the request.

import type { SlurmJob } from '../core/slurm-job.js';

/**
 * How far before the deployer's own clock `update_time` is set when the server gives no time of
 * its own (v0.0.38, v0.0.39). See `JobListCache.storeFull`.
 */
export const DEFAULT_UPDATE_TIME_MARGIN_SECONDS = 30;

interface Snapshot {
  readonly jobs: readonly SlurmJob[];
  readonly updateTime: number;
  /** How many jobs the answer listed, those of other labels included (`jobs` may hold fewer). */
  readonly listed: number;
  /** When the request that brought it was sent (client clock, ms): a late older answer never replaces it. */
  readonly sentAtMs: number;
}

export class JobListCache {
  #last: Snapshot | undefined;

  constructor(readonly marginSeconds: number = DEFAULT_UPDATE_TIME_MARGIN_SECONDS) {
    if (!Number.isFinite(marginSeconds) || marginSeconds < 0) throw new RangeError('the update_time margin must be a non-negative number of seconds');
  }

  /** The `update_time` to send; undefined until a full list came (then the request must be unconditional). */
  get updateTime(): number | undefined {
    return this.#last?.updateTime;
  }

  /** The last full list (frozen: the same array until a new list comes); undefined before the first. */
  get jobs(): readonly SlurmJob[] | undefined {
    return this.#last?.jobs;
  }

  /** How many jobs the last full answer listed in all, before any label filter; 0 before the first. */
  get listed(): number {
    return this.#last?.listed ?? 0;
  }

  /**
   * Records a full list, answer to a request sent at `sentAtMs`, and returns the list to hand out:
   * the one held from now on (frozen), or `jobs` when an answer to a later request came first.
   *
   * slurmctld answers "no change" exactly when `update_time - 1 >= last_job_update`, and it
   * otherwise sends every job (never a difference), so a "no change" answer means "the list you
   * hold is current" provided `update_time` is no later than the moment the held list was taken,
   * on slurmctld's clock:
   *
   * - v0.0.40+ give that moment: `last_update` is slurmctld's `time(NULL)` taken while it packed
   *   the list under the job lock. A change after it sets `last_job_update >= last_update`, which
   *   the server's own `- 1` turns into a full answer. Exact, and one clock: no margin.
   * - v0.0.38/39 give no server time: we use the moment the request was sent (the list is taken
   *   after that) on our clock, minus `marginSeconds`. The margin covers our clock running ahead
   *   of slurmctld's by up to that much; a clock ahead by more could hide a change until the next
   *   one. Its cost is small: after a change, requests within the margin still get full lists.
   */
  storeFull(jobs: readonly SlurmJob[], sentAtMs: number, serverLastUpdate?: number, listed = jobs.length): readonly SlurmJob[] {
    if (this.#last !== undefined && sentAtMs < this.#last.sentAtMs) return jobs;
    const updateTime = serverLastUpdate ?? Math.floor(sentAtMs / 1000) - Math.ceil(this.marginSeconds);
    if (!(updateTime > 0)) {
      this.#last = undefined; // a clock near the epoch: never ask conditionally
      return jobs;
    }
    this.#last = { jobs: Object.freeze([...jobs]), updateTime, listed, sentAtMs };
    return this.#last.jobs;
  }

}
