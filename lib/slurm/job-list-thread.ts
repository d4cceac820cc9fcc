// Reads large job lists off the event loop. slurmctld answers `GET jobs` with every job it knows
// whenever one changed: ~3.5 KB of JSON per job, so 5 MB for 1,500 jobs (JSON.parse, copies and
// garbage hold the loop ~30 ms) and hundreds of MB for 100,000 (seconds), while submits, lease
// renewals and health wait. One worker thread per process parses and decodes them, and keeps the
// jobs of the deployer's label (job-list-worker.ts): the loop receives only its own jobs, compact.
// The body's memory is handed to the worker, not copied.

import { Worker } from 'node:worker_threads';
import type { JobListReading } from './adapter.js';
import type { SlurmApiVersion } from './api-versions.js';

export interface JobListRequest {
  readonly id: number;
  readonly version: SlurmApiVersion;
  readonly bytes: ArrayBuffer;
  readonly contentType: string | undefined;
  /** Keep only the jobs with this mcs_label; undefined: every job. */
  readonly label: string | undefined;
}

export type JobListResponse =
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

/** `reading` with only the jobs labelled `label` (all when undefined). */
export function labelled(reading: JobListReading, label: string | undefined): Labelled {
  if (reading.kind === 'unchanged') return { reading, listed: 0 };
  const listed = reading.jobs.length;
  return { reading: label === undefined ? reading : { ...reading, jobs: reading.jobs.filter((job) => job.mcsLabel === label) }, listed };
}

/** A list the worker has not read in this time is given up on, and the worker replaced. */
export const JOB_LIST_THREAD_TIMEOUT_MS = 60_000;

type Settle = (outcome: ThreadReading | Error) => void;

/** One worker and the lists it is reading: a worker replaced takes its own waiters down with it. */
interface Thread {
  readonly worker: Worker;
  readonly waiting: Map<number, Settle>;
}

let current: Thread | undefined;
let nextId = 0;

function theThread(): Thread {
  if (current !== undefined) return current;
  const thread: Thread = { worker: new Worker(new URL('./job-list-worker.js', import.meta.url)), waiting: new Map() };
  const { worker, waiting } = thread;
  worker.unref(); // held only while it reads a list (readJobListOffThread)
  worker.on('message', (response: JobListResponse) => {
    const settle = waiting.get(response.id);
    if (settle === undefined) return;
    waiting.delete(response.id);
    if (waiting.size === 0) worker.unref();
    settle('reading' in response ? { reading: response.reading, listed: response.listed } : 'notJson' in response ? { notJson: true } : { error: response.error });
  });
  const lost = (why: string) => {
    if (current === thread) current = undefined;
    for (const settle of waiting.values()) settle(new Error(why));
    waiting.clear();
  };
  worker.on('error', (error) => lost(`the job-list thread failed: ${error.message}`));
  worker.on('exit', (code) => lost(`the job-list thread exited (code ${code})`));
  current = thread;
  return thread;
}

/**
 * The job list in `bytes` (a body as received), read by the worker thread. `bytes` is handed over:
 * it is empty afterwards. Rejects when the thread fails, or does not answer within `timeoutMs`.
 */
export function readJobListOffThread(
  version: SlurmApiVersion,
  bytes: Buffer,
  contentType: string | undefined,
  label: string | undefined,
  timeoutMs = JOB_LIST_THREAD_TIMEOUT_MS,
): Promise<ThreadReading> {
  const thread = theThread();
  const id = ++nextId;
  // A body of its own memory moves to the worker; one sharing a pooled buffer is copied (small).
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  const buffer = whole ? (bytes.buffer as ArrayBuffer) : new Uint8Array(bytes).buffer;
  return new Promise<ThreadReading>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (!thread.waiting.delete(id)) return;
      reject(new Error(`the job-list thread did not read the list within ${timeoutMs} ms`));
      // A worker stuck on one list would hold every later one: its waiters fail, the next starts afresh.
      if (current === thread) current = undefined;
      void thread.worker.terminate();
    }, timeoutMs);
    thread.waiting.set(id, (outcome) => {
      clearTimeout(timer);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    });
    thread.worker.ref();
    const request: JobListRequest = { id, version, bytes: buffer, contentType, label };
    thread.worker.postMessage(request, [buffer]);
  });
}
