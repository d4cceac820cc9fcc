// The SlurmApi over HTTP: one undici pool to slurmrestd, no automatic retries, every failure
// classified for the reducer and scrubbed of the token before it leaves this file.

import { Pool, type Dispatcher } from 'undici';
import type { SlurmCredentials, TokenProvider } from '../auth/token-provider.js';
import type { Failure } from '../core/failure.js';
import type { JobSpec, SlurmJob } from '../core/slurm-job.js';
import {
  classifyAnswer,
  classifyTransportError,
  meansJobNotFound,
  type HttpAnswer,
  type SlurmOperation,
} from './failure-classification.js';
import { SlurmRequestError, type SlurmApi } from './slurm-api.js';
import { errorsOfV0038, parseJobsV0038, parseSubmitV0038, renderSubmitV0038 } from './v0038.js';

export interface SlurmRestTimeouts {
  /** TCP (and TLS) connect. */
  readonly connectMs: number;
  /** From sending the request to the end of the response headers. */
  readonly headersMs: number;
  /** Between two chunks of the response body. */
  readonly bodyMs: number;
}

export interface SlurmRestClientOptions {
  /** slurmrestd, e.g. `http://127.0.0.1:16820`; a path prefix (behind a proxy) is kept. */
  readonly baseUrl: string;
  readonly credentials: TokenProvider;
  readonly version?: 'v0.0.38';
  readonly timeouts?: Partial<SlurmRestTimeouts>;
  readonly maxConnections?: number;
}

/** slurmctld answers through slurmrestd ~9 s late when down (~18 s for GET job): wait for it. */
export const DEFAULT_TIMEOUTS: SlurmRestTimeouts = { connectMs: 5_000, headersMs: 30_000, bodyMs: 30_000 };
const DEFAULT_MAX_CONNECTIONS = 4;
/** ~3.6 KB per job: room for tens of thousands of jobs, not for a runaway body. */
const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

interface Answer extends HttpAnswer {
  readonly body: unknown;
  /** Sent with the request; kept to scrub the token from whatever the answer says. */
  readonly credentials: SlurmCredentials;
}

export function createSlurmRestClient(options: SlurmRestClientOptions): SlurmApi {
  const version = options.version ?? 'v0.0.38';
  const base = new URL(options.baseUrl);
  const prefix = `${base.pathname.replace(/\/+$/, '')}/slurm/${version}`;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const pool = new Pool(base.origin, {
    connections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
    maxResponseSize: MAX_RESPONSE_BYTES,
    // slurmrestd 22.05 closes an idle connection after ~27 s (observed): closing ours well
    // before means a submit never goes out on a socket the server is about to close.
    keepAliveTimeout: 4_000,
  });

  async function call(operation: SlurmOperation, method: Dispatcher.HttpMethod, path: string, body?: object): Promise<Answer> {
    const credentials = await credentialsFor(operation, options.credentials);
    try {
      const raw = await exchange(pool, credentials, method, `${prefix}${path}`, body);
      return readAnswer(raw, credentials);
    } catch (error) {
      const failure = error instanceof TransportError ? classifyTransportError(operation, error.cause, error.requestSent) : unexpected(operation, error);
      throw rejection(failure, credentials);
    }
  }

  return {
    version,

    async submit(spec: JobSpec): Promise<number> {
      const answer = await call('submit', 'POST', '/job/submit', renderSubmitV0038(spec));
      if (!isSuccess(answer)) fail('submit', answer);
      try {
        return parseSubmitV0038(answer.body);
      } catch (error) {
        // Slurm said yes: the job most likely exists, we just cannot read its id.
        const message = `submit: HTTP ${answer.status} but ${messageOf(error)}; the job may exist`;
        throw new SlurmRequestError({ kind: 'unknown-outcome', message }, answer.status);
      }
    },

    async listJobs(): Promise<SlurmJob[]> {
      const answer = await call('listJobs', 'GET', '/jobs');
      if (!isSuccess(answer)) fail('listJobs', answer);
      return parsed('listJobs', answer, parseJobsV0038);
    },

    async getJob(jobId: number): Promise<SlurmJob | undefined> {
      const answer = await call('getJob', 'GET', `/job/${jobIdPath('getJob', jobId)}`);
      if (!isSuccess(answer)) {
        if (meansJobNotFound('getJob', errorsOfV0038(answer.body))) return undefined;
        fail('getJob', answer);
      }
      return parsed('getJob', answer, parseJobsV0038).find((job) => job.jobId === jobId);
    },

    async cancel(jobId: number): Promise<void> {
      // Without `signal` slurmrestd 22.05 sends SIGKILL to the whole job.
      const answer = await call('cancel', 'DELETE', `/job/${jobIdPath('cancel', jobId)}`);
      if (!isSuccess(answer)) fail('cancel', answer);
    },

    close: () => pool.close(),
  };
}

/** Any 2xx; the readers then insist on a JSON body (a 304 is no success: we never ask for one). */
function isSuccess(answer: Answer): boolean {
  return answer.status >= 200 && answer.status < 300;
}

function fail(operation: SlurmOperation, answer: Answer): never {
  throw rejection(classifyAnswer(operation, answer, errorsOfV0038(answer.body)), answer.credentials, answer.status);
}

function parsed<T>(operation: SlurmOperation, answer: Answer, parse: (body: unknown) => T): T {
  if (answer.body === undefined) {
    const message = `${operation}: HTTP ${answer.status} ${answer.text.trim() === '' ? 'with an empty body' : 'with a body that is not JSON'}`;
    throw new SlurmRequestError({ kind: 'transient', message }, answer.status);
  }
  try {
    return parse(answer.body);
  } catch (error) {
    throw new SlurmRequestError({ kind: 'transient', message: `${operation}: ${messageOf(error)}` }, answer.status);
  }
}

function jobIdPath(operation: SlurmOperation, jobId: number): string {
  if (Number.isSafeInteger(jobId) && jobId > 0) return String(jobId);
  throw new SlurmRequestError({ kind: 'permanent', message: `${operation}: job id must be a positive integer` });
}

async function credentialsFor(operation: SlurmOperation, provider: TokenProvider): Promise<SlurmCredentials> {
  try {
    return await provider.credentials();
  } catch (error) {
    // A provider that classified its own failure (an Entra outage is transient) is believed.
    const own = (error as { failure?: Failure } | undefined)?.failure;
    if (own !== undefined && typeof own.kind === 'string' && typeof own.message === 'string') throw new SlurmRequestError(own);
    throw new SlurmRequestError({ kind: 'auth', message: `${operation}: no Slurm credentials: ${messageOf(error)}` });
  }
}

function unexpected(operation: SlurmOperation, error: unknown): Failure {
  return { kind: 'transient', message: `${operation}: ${messageOf(error)}` };
}

function readAnswer(raw: RawAnswer, credentials: SlurmCredentials): Answer {
  const text = raw.body.toString('utf8');
  const { status, contentType, elapsedMs } = raw;
  return { status, contentType, text, elapsedMs, body: jsonOf(text, contentType), credentials };
}

/** A 304 or an error page has an empty or text body: parse only what looks like JSON. */
function jsonOf(text: string, contentType: string | undefined): unknown {
  const trimmed = text.trim();
  if (trimmed === '' || !(contentType?.includes('json') || trimmed.startsWith('{'))) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

/** The error to reject with, its message scrubbed of the token whatever produced the text. */
function rejection(failure: Failure, credentials: SlurmCredentials | undefined, status?: number): SlurmRequestError {
  const message = credentials === undefined ? failure.message : scrub(failure.message, credentials.token.reveal());
  return new SlurmRequestError({ kind: failure.kind, message }, status);
}

function scrub(message: string, token: string): string {
  // The whole token, and any long part of it (a JWT's payload or signature alone is still telling).
  const parts = [token, ...token.split('.')].filter((p) => p.length >= 8);
  return parts.reduce((m, part) => m.split(part).join('[redacted]'), message);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---- one HTTP exchange ------------------------------------------------------------------------

interface RawAnswer {
  readonly status: number;
  readonly contentType?: string;
  readonly body: Buffer;
  readonly elapsedMs: number;
}

/** No HTTP answer came; `requestSent` says whether the whole request had been written. */
class TransportError extends Error {
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
 * repeat, one that failed after may have created a job.
 */
function exchange(pool: Pool, credentials: SlurmCredentials, method: Dispatcher.HttpMethod, path: string, body?: object): Promise<RawAnswer> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
  const headers: Record<string, string> = {
    'X-SLURM-USER-NAME': credentials.userName,
    'X-SLURM-USER-TOKEN': credentials.token.reveal(),
    Accept: 'application/json',
    ...(payload === undefined ? {} : { 'Content-Type': 'application/json' }),
  };
  const started = performance.now();
  return new Promise<RawAnswer>((resolve, reject) => {
    let requestSent = false;
    let status = 0;
    let contentType: string | undefined;
    let elapsedMs = 0;
    const chunks: Buffer[] = [];
    const handler = {
      onConnect: () => undefined,
      onRequestSent: () => {
        requestSent = true;
      },
      onBodySent: () => undefined,
      onHeaders: (statusCode: number, rawHeaders: Buffer[] | string[] | null) => {
        if (statusCode < 200) return true; // 1xx: the real answer follows
        status = statusCode;
        contentType = headerOf(rawHeaders, 'content-type');
        elapsedMs = performance.now() - started;
        return true;
      },
      onData: (chunk: Buffer) => {
        chunks.push(chunk);
        return true;
      },
      onComplete: () => resolve({ status, contentType, body: Buffer.concat(chunks), elapsedMs }),
      onError: (error: Error) => reject(new TransportError(error, requestSent || status !== 0)),
    };
    try {
      pool.dispatch({ method, path, headers, body: payload ?? null }, handler as unknown as Dispatcher.DispatchHandler);
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
