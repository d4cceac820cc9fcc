// Cancels made close together leave as one request: every cancel(jobId) made in the same turn of
// the event loop, or while the previous request is in flight, goes out in the next one (at most
// `maxPerRequest` ids each, one request in flight at a time), and each caller hears its own job's
// outcome. Version-free: `send` is one bulk DELETE (bulk-cancel.ts).

/**
 * Sends one request for these jobs (distinct, at most maxPerRequest): resolves to the error of
 * each job that was not cancelled (the others were); rejects when the whole request failed.
 */
export type SendCancels = (jobIds: readonly number[]) => Promise<ReadonlyMap<number, Error>>;

interface Caller {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** About 2.6 KB of body at 10-digit ids: a request slurmctld answers in one RPC without strain. */
export const MAX_CANCELS_PER_REQUEST = 256;

export class CancelBatch {
  /** Job id -> its callers, in the order first asked (a Map keeps insertion order). */
  readonly #waiting = new Map<number, Caller[]>();
  #inFlight = false;
  #scheduled = false;

  constructor(
    private readonly send: SendCancels,
    private readonly maxPerRequest = MAX_CANCELS_PER_REQUEST,
  ) {}

  cancel(jobId: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const callers = this.#waiting.get(jobId);
      if (callers === undefined) this.#waiting.set(jobId, [{ resolve, reject }]);
      else callers.push({ resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#inFlight || this.#scheduled) return;
    this.#scheduled = true;
    // setImmediate, not a microtask: cancels issued from several callbacks of one I/O phase join too.
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    if (this.#inFlight || this.#waiting.size === 0) return;
    const batch = [...this.#waiting.entries()].slice(0, this.maxPerRequest);
    for (const [id] of batch) this.#waiting.delete(id);
    this.#inFlight = true;
    let sent: Promise<ReadonlyMap<number, Error>>;
    try {
      sent = this.send(batch.map(([id]) => id));
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent
      .then(
        (failures) => {
          for (const [id, callers] of batch) {
            const failure = failures.get(id);
            for (const c of callers) if (failure === undefined) c.resolve();
            else c.reject(failure);
          }
        },
        (error: unknown) => {
          for (const [, callers] of batch) for (const c of callers) c.reject(error);
        },
      )
      .finally(() => {
        this.#inFlight = false;
        this.#flush();
      });
  }
}
