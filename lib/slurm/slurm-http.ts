// One undici pool to slurmrestd: keep-alive, explicit timeouts, bounded concurrency, the Slurm
// auth headers, no automatic retry. Every failure leaves this file classified and scrubbed of
// the token. Version-free: adapters and the client decide what the answers mean.

import { Pool, type Dispatcher } from 'undici';
import { NoSlurmTokenError, TokenSourceError, type SlurmCredentials, type TokenProvider } from '../auth/token-provider.js';
import type { Failure } from '../core/failure.js';
import { jsonOf } from './json-body.js';
import { classifyAnswer, classifyTransportError, type HttpAnswer, type SlurmError, type SlurmOperation } from './failure-classification.js';
import { SlurmRequestError } from './slurm-api.js';
import { messageOf } from '../core/error-message.js';

export interface SlurmRestTimeouts {
  /** TCP (and TLS) connect. */
  readonly connectMs: number;
  /** From sending the request to the end of the response headers. */
  readonly headersMs: number;
  /** Between two chunks of the response body. */
  readonly bodyMs: number;
}

/**
 * How the token travels. `X-SLURM-USER-TOKEN` works with every version; `Authorization: Bearer`
 * from Slurm 23.02 (documents v0.0.39+ declare `bearerAuth`). slurmrestd rejects both at once.
 * `X-SLURM-USER-NAME` goes with either (required by 22.05, optional later).
 */
export type SlurmAuthScheme = 'x-slurm-user-token' | 'bearer';

export interface SlurmHttpOptions {
  /** slurmrestd, e.g. `http://127.0.0.1:16820`; a path prefix (behind a proxy) is kept. */
  readonly baseUrl: string;
  readonly credentials: TokenProvider;
  readonly timeouts?: Partial<SlurmRestTimeouts>;
  /** Requests in flight at once (more wait in undici's queue). */
  readonly maxConnections?: number;
  readonly authScheme?: SlurmAuthScheme;
}

/** slurmctld answers through slurmrestd ~9 s late when down (~18 s for GET job): wait for it. */
export const DEFAULT_TIMEOUTS: SlurmRestTimeouts = { connectMs: 5_000, headersMs: 30_000, bodyMs: 30_000 };
/**
 * One connection for every Slurm command the deployer's lanes can have out at once (poll 1,
 * lookups and cancels 8, submits 8: streams/command-table.ts DEFAULT_LANES), so that a poll never
 * waits for a connection behind submits.
 */
const DEFAULT_MAX_CONNECTIONS = 17;
/** ~3.6 KB per job: room for tens of thousands of jobs, not for a runaway body. */
const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

export interface Answer extends HttpAnswer {
  /** The body as JSON (undefined when it is not JSON), parsed when first read, like `text`. */
  readonly body: unknown;
  /** The body as received: a large job list is read off the event loop from it (job-list-thread.ts). */
  readonly bytes: Buffer;
  /** Sent with the request; kept to scrub the token from whatever the answer says. */
  readonly credentials: SlurmCredentials;
}

export interface SlurmHttp {
  /** The base URL, for messages (it holds no secret). */
  readonly baseUrl: string;
  /** One request; `path` is below the base URL's path, e.g. `/slurm/v0.0.42/jobs/`. Rejects only without an answer. */
  call(operation: SlurmOperation, method: Dispatcher.HttpMethod, path: string, options?: { query?: Record<string, string>; body?: object }): Promise<Answer>;
  /** Rejects with the classified failure of a non-success answer, or of `errors` a success answer carried. */
  fail(operation: SlurmOperation, answer: Answer, errors: readonly SlurmError[]): never;
  /** A failure of ours about an answer (unreadable body...), scrubbed like the others. */
  reject(failure: Failure, answer: Answer): SlurmRequestError;
  close(): Promise<void>;
}

export function createSlurmHttp(options: SlurmHttpOptions): SlurmHttp {
  const base = new URL(options.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const authScheme = options.authScheme ?? 'x-slurm-user-token';
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

  return {
    baseUrl: options.baseUrl,

    async call(operation, method, path, callOptions = {}) {
      const credentials = await credentialsFor(operation, options.credentials);
      const query = callOptions.query === undefined ? '' : `?${new URLSearchParams(callOptions.query).toString()}`;
      try {
        const raw = await exchange(pool, authHeaders(credentials, authScheme), method, `${prefix}${path}${query}`, callOptions.body);
        return readAnswer(raw, credentials);
      } catch (error) {
        const failure = error instanceof TransportError ? classifyTransportError(operation, error.cause, error.requestSent) : unexpected(operation, error);
        throw rejection(failure, credentials);
      }
    },

    fail(operation, answer, errors) {
      throw rejection(classifyAnswer(operation, answer, errors), answer.credentials, answer.status);
    },

    reject: (failure, answer) => rejection(failure, answer.credentials, answer.status),

    close: () => pool.close(),
  };
}

function authHeaders(credentials: SlurmCredentials, scheme: SlurmAuthScheme): Record<string, string> {
  const token = credentials.token.reveal();
  return scheme === 'bearer'
    ? { 'X-SLURM-USER-NAME': credentials.userName, Authorization: `Bearer ${token}` }
    : { 'X-SLURM-USER-NAME': credentials.userName, 'X-SLURM-USER-TOKEN': token };
}

async function credentialsFor(operation: SlurmOperation, provider: TokenProvider): Promise<SlurmCredentials> {
  try {
    return await provider.credentials();
  } catch (error) {
    // A provider that classified its own failure is believed: its message is already free of secrets.
    if (error instanceof NoSlurmTokenError || error instanceof TokenSourceError) throw new SlurmRequestError(error.failure);
    throw new SlurmRequestError({ kind: 'auth', message: `${operation}: no Slurm credentials: ${messageOf(error)}` });
  }
}

function unexpected(operation: SlurmOperation, error: unknown): Failure {
  return { kind: 'transient', message: `${operation}: ${messageOf(error)}` };
}

/** The answer, its body decoded and parsed only when read: a job list may be parsed elsewhere. */
function readAnswer(raw: RawAnswer, credentials: SlurmCredentials): Answer {
  const { status, contentType, elapsedMs } = raw;
  let text: string | undefined;
  let parsed: { readonly body: unknown } | undefined;
  return {
    status,
    contentType,
    elapsedMs,
    credentials,
    bytes: raw.body,
    get text() {
      return (text ??= raw.body.toString('utf8'));
    },
    get body() {
      return (parsed ??= { body: jsonOf(this.text, contentType) }).body;
    },
  };
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
 * repeat, one that failed after may have created a job. undici never retries a dispatch itself.
 */
function exchange(pool: Pool, auth: Record<string, string>, method: Dispatcher.HttpMethod, path: string, body?: object): Promise<RawAnswer> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
  const headers: Record<string, string> = {
    ...auth,
    Accept: 'application/json',
    // Without it slurmrestd reads the body as URL-encoded and answers 400 "Unable to parse query."
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
