// Reads large job lists off the event loop. slurmctld answers `GET jobs` with every job it knows
// whenever one changed: ~3.5-8 KB of JSON per job, so 5 MB for 1,500 jobs (JSON.parse, copies and
// garbage hold the loop ~30 ms) and ~800 MB for 100,000 (more than one string can hold), while
// submits, lease renewals and health wait. One worker thread per process reads them as they
// arrive, in chunks, and keeps the jobs of the deployer's label (job-list-worker.ts,
// job-list-splitter.ts): the loop receives only its own jobs, compact, and memory does not grow
// with the list. The chunks' memory is handed to the worker, not copied again.

import { Worker } from 'node:worker_threads';
import type { JobListReading } from './adapter.js';
import type { SlurmApiVersion } from './api-versions.js';

/** What the loop sends the worker about one list. */
export type JobListMessage =
  | {
      readonly type: 'begin';
      readonly id: number;
      readonly version: SlurmApiVersion;
      readonly contentType: string | undefined;
      /** Keep only the jobs with this mcs_label; undefined: every job. */
      readonly label: string | undefined;
    }
  | { readonly type: 'chunk'; readonly id: number; readonly bytes: ArrayBuffer }
  | { readonly type: 'end'; readonly id: number }
  /** The body will not be finished (its request failed): forget it. */
  | { readonly type: 'abort'; readonly id: number };

/** What the worker answers: a chunk read (`read` bytes), or the list's reading at its end. */
export type JobListResponse =
  | { readonly id: number; readonly read: number }
  | ({ readonly id: number } & Labelled)
  | { readonly id: number; readonly notJson: true }
  | { readonly id: number; readonly error: string };

/** A reading kept to one label, and how many jobs the answer listed in all. */
export interface Labelled {
  readonly reading: JobListReading;
  readonly listed: number;
}

/** What the worker made of a body: a reading, or why there is none (in the words of an in-thread parse). */
export type ThreadReading = Labelled | { readonly notJson: true } | { readonly error: string };

/** `reading` with only the jobs labelled `label` (all when undefined); `listed` when fewer than all were read. */
export function labelled(reading: JobListReading, label: string | undefined, listed?: number): Labelled {
  if (reading.kind === 'unchanged') return { reading, listed: 0 };
  const all = listed ?? reading.jobs.length;
  return { reading: label === undefined ? reading : { ...reading, jobs: reading.jobs.filter((job) => job.mcsLabel === label) }, listed: all };
}

/** A worker that has not answered a chunk or a list's end in this time is given up on, and replaced. */
export const JOB_LIST_THREAD_TIMEOUT_MS = 60_000;
/** Bytes sent to the worker and not yet read by it, from which `write` asks the writer to wait. */
const HIGH_WATER_BYTES = 16 * 1024 * 1024;
/** Chunks are gathered into batches of this size before they go: one message per MiB, not per packet. */
const BATCH_BYTES = 1024 * 1024;

/** One worker and the lists it is reading: a worker replaced takes its own readers down with it. */
interface Thread {
  readonly worker: Worker;
  readonly readers: Map<number, (response: JobListResponse | Error) => void>;
}

let current: Thread | undefined;
let nextId = 0;

function theThread(): Thread {
  if (current !== undefined) return current;
  const thread: Thread = { worker: new Worker(new URL('./job-list-worker.js', import.meta.url)), readers: new Map() };
  const { worker, readers } = thread;
  worker.unref(); // held only while it reads a list
  worker.on('message', (response: JobListResponse) => readers.get(response.id)?.(response));
  const lost = (why: string) => {
    if (current === thread) current = undefined;
    for (const reader of [...readers.values()]) reader(new Error(why));
    readers.clear();
  };
  worker.on('error', (error) => lost(`the job-list thread failed: ${error.message}`));
  worker.on('exit', (code) => lost(`the job-list thread exited (code ${code})`));
  current = thread;
  return thread;
}

/** A list being written to the worker as its body arrives. */
export interface JobListStream {
  /** Hands a chunk on (copied into a batch). False: wait for `drained` before writing more. */
  write(chunk: Uint8Array): boolean;
  /** Hands a buffer of its own memory over as it is (no copy; it is empty afterwards). */
  handOver(bytes: ArrayBuffer): boolean;
  /** Resolves once the worker has caught up (immediately when it has). */
  drained(): Promise<void>;
  /** The body is complete: the worker's reading of it. */
  end(): Promise<ThreadReading>;
  /** The body will not be complete: the worker forgets it. */
  abort(): void;
}

/**
 * Opens a list in the worker thread. It rejects (from `drained` or `end`) when the thread fails,
 * or does not answer within `timeoutMs` while it has work: then the worker is replaced.
 */
export function openJobListStream(version: SlurmApiVersion, contentType: string | undefined, label: string | undefined, timeoutMs = JOB_LIST_THREAD_TIMEOUT_MS): JobListStream {
  const thread = theThread();
  const id = ++nextId;
  let unread = 0;
  let batch: Buffer | undefined;
  let batched = 0;
  let finished: ThreadReading | Error | undefined;
  let onFinished: ((outcome: ThreadReading | Error) => void) | undefined;
  let waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let ended = false;

  const finish = (outcome: ThreadReading | Error) => {
    if (finished !== undefined) return;
    finished = outcome;
    clearTimeout(timer);
    thread.readers.delete(id);
    if (thread.readers.size === 0) thread.worker.unref();
    for (const waiter of waiters) outcome instanceof Error ? waiter.reject(outcome) : waiter.resolve();
    waiters = [];
    onFinished?.(outcome);
  };
  /** The worker has something to answer: it must, within the timeout. */
  const expectAnswer = () => {
    clearTimeout(timer);
    if (unread === 0 && !ended) return;
    timer = setTimeout(() => {
      finish(new Error(`the job-list thread did not read the list within ${timeoutMs} ms`));
      // A worker stuck on one list would hold every later one: its readers fail, the next starts afresh.
      if (current === thread) current = undefined;
      void thread.worker.terminate();
    }, timeoutMs);
  };
  thread.readers.set(id, (response) => {
    if (response instanceof Error) return finish(response);
    if ('read' in response) {
      unread -= response.read;
      expectAnswer();
      if (unread < HIGH_WATER_BYTES) {
        for (const waiter of waiters) waiter.resolve();
        waiters = [];
      }
      return;
    }
    finish('reading' in response ? { reading: response.reading, listed: response.listed } : 'notJson' in response ? { notJson: true } : { error: response.error });
  });
  thread.worker.ref();
  post({ type: 'begin', id, version, contentType, label });

  function post(message: JobListMessage, transfer: ArrayBuffer[] = []): void {
    if (finished === undefined) thread.worker.postMessage(message, transfer);
  }
  function send(bytes: ArrayBuffer): void {
    unread += bytes.byteLength;
    post({ type: 'chunk', id, bytes }, [bytes]);
    expectAnswer();
  }
  function flush(): void {
    if (batch === undefined || batched === 0) return;
    // allocUnsafeSlow gave the batch an ArrayBuffer of its own (never a slice of Node's pool).
    const full = batched === batch.byteLength ? (batch.buffer as ArrayBuffer) : (batch.buffer as ArrayBuffer).slice(0, batched);
    batch = undefined;
    batched = 0;
    send(full);
  }

  return {
    write(chunk) {
      if (finished !== undefined) return true;
      let from = 0;
      while (from < chunk.byteLength) {
        batch ??= Buffer.allocUnsafeSlow(BATCH_BYTES);
        const n = Math.min(chunk.byteLength - from, batch.byteLength - batched);
        batch.set(chunk.subarray(from, from + n), batched);
        batched += n;
        from += n;
        if (batched === batch.byteLength) flush();
      }
      return unread < HIGH_WATER_BYTES;
    },
    handOver(bytes) {
      flush();
      if (finished === undefined) send(bytes);
      return unread < HIGH_WATER_BYTES;
    },
    drained() {
      if (finished instanceof Error) return Promise.reject(finished);
      if (finished !== undefined || unread < HIGH_WATER_BYTES) return Promise.resolve();
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    end() {
      flush();
      ended = true;
      post({ type: 'end', id });
      expectAnswer();
      return new Promise<ThreadReading>((resolve, reject) => {
        const settle = (outcome: ThreadReading | Error) => (outcome instanceof Error ? reject(outcome) : resolve(outcome));
        if (finished !== undefined) settle(finished);
        else onFinished = settle;
      });
    },
    abort() {
      post({ type: 'abort', id });
      finish(new Error('the job list was given up before its end'));
    },
  };
}

/**
 * The job list in `bytes` (a body as received), read by the worker thread. `bytes` is handed over
 * when it owns its memory (it is empty afterwards). Rejects when the thread fails, or does not
 * answer within `timeoutMs`.
 */
export function readJobListOffThread(
  version: SlurmApiVersion,
  bytes: Buffer,
  contentType: string | undefined,
  label: string | undefined,
  timeoutMs = JOB_LIST_THREAD_TIMEOUT_MS,
): Promise<ThreadReading> {
  const stream = openJobListStream(version, contentType, label, timeoutMs);
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  if (whole) stream.handOver(bytes.buffer as ArrayBuffer);
  else stream.write(bytes);
  return stream.end();
}
