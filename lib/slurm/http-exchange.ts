// One HTTP exchange with slurmrestd through undici's dispatch API: its timeouts, its size cap, and
// a job list's body streamed into the worker thread as it arrives instead of gathered whole.

import { errors, type Dispatcher, type Pool } from 'undici';
import { messageOf } from '../core/error-message.js';
import type { SlurmApiVersion } from './api-versions.js';
import { openJobListStream, type JobListStream, type ThreadReading } from './job-list-thread.js';

export interface ExchangeLimits {
  readonly headersMs: number;
  /** Between two chunks of the body. */
  readonly bodyMs: number;
  /** A body larger than this fails the exchange (a body streamed to the worker has no cap). */
  readonly maxBytes: number;
}

/** A successful job list's body goes to the worker thread (job-list-thread.ts) once it is this large. */
export interface JobListTarget {
  readonly version: SlurmApiVersion;
  readonly label: string | undefined;
  /** A body smaller than this is gathered whole, as any other (to be parsed in the event loop). */
  readonly fromBytes: number;
}

export interface RawAnswer {
  readonly status: number;
  readonly contentType?: string;
  /** Empty when the body went to the worker thread (`jobList`). */
  readonly body: Buffer;
  /** From handing the request to undici to the end of the headers. */
  readonly elapsedMs: number;
  /** From the request written to the end of the headers: how long slurmrestd took. */
  readonly answerMs: number;
  /** The worker's reading of a job list streamed to it. */
  readonly jobList?: Promise<ThreadReading>;
}

/** No HTTP answer came; `requestSent` says whether the whole request had been written. */
export class TransportError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly requestSent: boolean,
  ) {
    super(messageOf(cause));
  }
}

/**
 * One request through undici's dispatch API. We use it rather than `request()` because only a
 * dispatch handler hears `onRequestSent`: a POST that failed before it was written is safe to
 * repeat, one that failed after may have created a job. undici never retries a dispatch itself.
 */
export function exchange(
  pool: Pool,
  request: { readonly method: Dispatcher.HttpMethod; readonly path: string; readonly headers: Record<string, string>; readonly body?: object },
  limits: ExchangeLimits,
  jobList?: JobListTarget,
): Promise<RawAnswer> {
  const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body), 'utf8');
  const headers: Record<string, string> = {
    ...request.headers,
    Accept: 'application/json',
    // Without it slurmrestd reads the body as URL-encoded and answers 400 "Unable to parse query."
    ...(payload === undefined ? {} : { 'Content-Type': 'application/json' }),
  };
  const started = performance.now();
  return new Promise<RawAnswer>((resolve, reject) => {
    let sentAt = started;
    let requestSent = false;
    let status = 0;
    let contentType: string | undefined;
    let elapsedMs = 0;
    let answerMs = 0;
    let chunks: Buffer[] = [];
    let bytes = 0;
    let streaming = false;
    let stream: JobListStream | undefined;
    let abort: (reason: Error) => void = () => undefined;
    let resume: () => void = () => undefined;
    const handler = {
      onConnect: (abortRequest: (reason: Error) => void) => {
        abort = abortRequest;
      },
      onRequestSent: () => {
        requestSent = true;
        sentAt = performance.now();
      },
      onBodySent: () => undefined,
      onHeaders: (statusCode: number, rawHeaders: Buffer[] | string[] | null, resumeBody: () => void) => {
        if (statusCode < 200) return true; // 1xx: the real answer follows
        status = statusCode;
        contentType = headerOf(rawHeaders, 'content-type');
        const now = performance.now();
        elapsedMs = now - started;
        answerMs = now - sentAt;
        streaming = jobList !== undefined && status >= 200 && status < 300;
        resume = resumeBody;
        return true;
      },
      onData: (chunk: Buffer) => {
        bytes += chunk.byteLength;
        if (stream === undefined) {
          chunks.push(chunk);
          if (streaming && jobList !== undefined && bytes >= jobList.fromBytes) {
            stream = openJobListStream(jobList.version, contentType, jobList.label);
            for (const gathered of chunks) stream.write(gathered);
            chunks = [];
          } else if (!streaming && bytes > limits.maxBytes) {
            abort(new errors.ResponseExceededMaxSizeError(`the answer is over ${limits.maxBytes} bytes`));
            return false;
          }
          return true;
        }
        if (stream.write(chunk)) return true;
        // The worker is behind: stop reading the socket until it caught up (slurmrestd waits).
        stream.drained().then(
          () => resume(),
          (error: unknown) => abort(error instanceof Error ? error : new Error(String(error))),
        );
        return false;
      },
      onComplete: () => {
        if (stream === undefined) {
          resolve({ status, contentType, body: Buffer.concat(chunks), elapsedMs, answerMs });
          return;
        }
        const reading = stream.end();
        reading.catch(() => undefined); // the reader awaits it; a failure is its to see
        resolve({ status, contentType, body: Buffer.alloc(0), elapsedMs, answerMs, jobList: reading });
      },
      onError: (error: Error) => {
        stream?.abort();
        reject(new TransportError(error, requestSent || status !== 0));
      },
    };
    try {
      const options = { method: request.method, path: request.path, headers, body: payload ?? null, headersTimeout: limits.headersMs, bodyTimeout: limits.bodyMs };
      pool.dispatch(options, handler as unknown as Dispatcher.DispatchHandler);
    } catch (error) {
      reject(new TransportError(error, false));
    }
  });
}

function headerOf(rawHeaders: Buffer[] | string[] | null, name: string): string | undefined {
  if (rawHeaders === null) return undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (String(rawHeaders[i]).toLowerCase() === name) return String(rawHeaders[i + 1]);
  }
  return undefined;
}
