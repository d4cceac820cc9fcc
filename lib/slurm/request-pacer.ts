// Paces one client's requests to slurmrestd so that they fit slurmctld's per-user rate limit:
// an AIMD limit on requests in flight, polls first, and state polls spaced while throttled.
// slurmrestd never says "rate limited": the client library inside it sleeps k s after slurmctld's
// k-th refusal and retries, so the one sign is an answer to a small request that comes late.
// That backoff is unfair: a request refused k times tries again only after k s, while a fresh
// one tries at once and takes the token that came meanwhile. So, while throttled, no request
// other than a poll starts while a state poll is out, nor in the 2 s before a spaced one goes:
// the poll finds the tokens instead of losing them to each new submit (measured on 26.05 without
// this: one poll in 8 went unanswered for 30 s during a burst of 200 submits; with the hold while
// out only, polls on 24.11 still took 3 s, two refusals). The tokens left stay in the bucket.
// Measured with both (spec/tools/pacing-burst.ts, 200 submits 8 at a time, a state poll every
// 3 s): 90.0 s against the floor's 85 s on 24.11 and 26.05, no poll answer late; unpaced, 103.4 s
// and 97.8 s, and on 26.05 23 of 26 polls late (p99 7 s).

import type { SlurmOperation } from './failure-classification.js';
import type { PacingReport } from './slurm-api.js';
import { PriorityQueue } from './priority-queue.js';

/** How a Slurm client paces its requests other than polls: a limit of requests in flight, halved when slurmctld's rate limit makes answers late, grown again when they are not. */
export interface PacerSettings {
  /** Requests other than polls in flight at once, at the start. */
  readonly initialLimit: number;
  /** The limit grows to this, at most. */
  readonly maxLimit: number;
  /** The limit is halved to this, at least. */
  readonly minLimit: number;
  /** An answer to a small request whose headers came this late (ms after it was sent) means throttled. */
  readonly lateMs: number;
  /** The limit is halved at most this often (ms): answers late for one refusal come in bunches. */
  readonly halveEveryMs: number;
  /** Reported throttled for this long (ms) after the last late answer. */
  readonly throttledForMs: number;
  /**
   * While throttled, a state poll waits until this long (ms) after the previous one began: one
   * every 3 s would take a sixth of a 2/s bucket from the submits it is there to follow.
   */
  readonly throttledStatesSpacingMs: number;
  /**
   * While throttled, requests other than polls stop starting this long (ms) before a state poll
   * waiting for its spacing goes, so that the bucket holds a token or two for it (2/s refill).
   */
  readonly throttledHoldBeforeStatesMs: number;
}

export const DEFAULT_PACER_SETTINGS: PacerSettings = {
  initialLimit: 8,
  maxLimit: 16,
  minLimit: 1,
  lateMs: 1000,
  halveEveryMs: 1000,
  throttledForMs: 60_000,
  throttledStatesSpacingMs: 10_000,
  throttledHoldBeforeStatesMs: 2_000,
};

/** A request's turn to be sent. Release it once, when its answer's headers came or it failed. */
export interface Permit {
  /**
   * `answerMs`: how long after it was sent the answer's headers came, when that time says
   * something about throttling (an answer to a small request); undefined otherwise.
   */
  release(answerMs?: number): void;
}

/** A request given up (its AbortSignal) before it was sent: it never will be. */
export class NotSentError extends Error {
  override readonly name = 'NotSentError';
}

/** Polls never wait behind the limit: the deployer has one out at a time. */
const POLLS: ReadonlySet<SlurmOperation> = new Set(['listJobs', 'readStates']);
/** Among the others: a cancel stops a job that should not run, a lookup settles one, a submit adds one. */
const PRIORITY: Readonly<Record<SlurmOperation, number>> = { listJobs: 0, readStates: 0, cancel: 0, getJob: 1, discover: 1, submit: 2 };
const CLASSES = 3;

export class RequestPacer {
  readonly #settings: PacerSettings;
  readonly #now: () => number;
  #limit: number;
  #inFlight = 0;
  readonly #queue = new PriorityQueue<() => void>(CLASSES);
  /** State polls waiting for their spacing. */
  #spacedWaiting = 0;
  /** State polls sent and not answered. */
  #statesInFlight = 0;
  #throttledAnswers = 0;
  #lastLateAt = Number.NEGATIVE_INFINITY;
  #lastHalvedAt = Number.NEGATIVE_INFINITY;
  /** When the latest state poll began (or is booked to begin). */
  #lastStatesAt = Number.NEGATIVE_INFINITY;

  constructor(settings: Partial<PacerSettings> = {}, now: () => number = () => performance.now()) {
    this.#settings = { ...DEFAULT_PACER_SETTINGS, ...settings };
    this.#now = now;
    this.#limit = this.#settings.initialLimit;
  }

  /** Waits for this request's turn. Rejects with NotSentError when `signal` aborts first. */
  async take(operation: SlurmOperation, signal?: AbortSignal): Promise<Permit> {
    notAborted(operation, signal);
    if (POLLS.has(operation)) {
      if (operation !== 'readStates') return this.#permit(false);
      await this.#spaced(operation, signal);
      this.#statesInFlight++;
      return this.#permit(false, () => this.#statesInFlight--);
    }
    if (this.#inFlight < this.#open() && this.#queue.size === 0) {
      this.#inFlight++;
      return this.#permit(true);
    }
    await new Promise<void>((resolve, reject) => {
      const entry = this.#queue.push(PRIORITY[operation], () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      const onAbort = () => {
        this.#queue.remove(entry);
        reject(notSent(operation, signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return this.#permit(true);
  }

  /** Requests other than polls allowed in flight now. */
  get allowed(): number {
    return Math.floor(this.#limit);
  }

  report(): PacingReport {
    return {
      throttled: this.#throttled(),
      limit: this.allowed,
      inFlight: this.#inFlight,
      queued: this.#queue.size + this.#spacedWaiting,
      throttledAnswers: this.#throttledAnswers,
    };
  }

  #permit(limited: boolean, done?: () => void): Permit {
    let released = false;
    return {
      release: (answerMs) => {
        if (released) return;
        released = true;
        if (answerMs !== undefined) this.#learn(answerMs);
        if (limited) this.#inFlight--;
        done?.();
        this.#pump();
      },
    };
  }

  /** Requests other than polls that may start now: none around a throttled state poll. */
  #open(): number {
    if (!this.#throttled()) return this.allowed;
    const dueSoon = this.#spacedWaiting > 0 && this.#now() >= this.#lastStatesAt - this.#settings.throttledHoldBeforeStatesMs;
    return this.#statesInFlight > 0 || dueSoon ? 0 : this.allowed;
  }

  #throttled(): boolean {
    return this.#now() - this.#lastLateAt < this.#settings.throttledForMs;
  }

  /** AIMD: halve on a late answer (once a second at most), add 1/limit on a prompt one. */
  #learn(answerMs: number): void {
    const { lateMs, halveEveryMs, minLimit, maxLimit } = this.#settings;
    const now = this.#now();
    if (answerMs >= lateMs) {
      this.#throttledAnswers++;
      this.#lastLateAt = now;
      if (now - this.#lastHalvedAt >= halveEveryMs) {
        this.#limit = Math.max(minLimit, Math.floor(this.#limit / 2));
        this.#lastHalvedAt = now;
      }
    } else {
      this.#limit = Math.min(maxLimit, this.#limit + 1 / this.#limit);
    }
  }

  #pump(): void {
    while (this.#inFlight < this.#open()) {
      const next = this.#queue.shift();
      if (next === undefined) return;
      this.#inFlight++;
      next();
    }
  }

  /** While throttled, a state poll begins no sooner than the spacing after the previous one. */
  async #spaced(operation: SlurmOperation, signal: AbortSignal | undefined): Promise<void> {
    const now = this.#now();
    const at = this.#throttled() ? Math.max(now, this.#lastStatesAt + this.#settings.throttledStatesSpacingMs) : now;
    this.#lastStatesAt = at;
    if (at <= now) return;
    this.#spacedWaiting++;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, at - now);
        const onAbort = () => {
          clearTimeout(timer);
          reject(notSent(operation, signal));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } finally {
      this.#spacedWaiting--;
    }
  }
}

function notAborted(operation: SlurmOperation, signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw notSent(operation, signal);
}

function notSent(operation: SlurmOperation, signal: AbortSignal | undefined): NotSentError {
  const reason = signal?.reason instanceof Error ? signal.reason.message : signal?.reason === undefined ? 'aborted' : String(signal.reason);
  return new NotSentError(`${operation}: not sent: given up while waiting for its turn (${reason})`);
}
