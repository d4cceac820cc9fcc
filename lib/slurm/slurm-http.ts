// One undici pool to slurmrestd: keep-alive, timeouts per operation, the Slurm auth headers, no
// automatic retry, and every request paced (request-pacer.ts) to fit slurmctld's per-user rate
// limit. Every failure leaves this file classified and scrubbed of the token; a TLS failure names
// the setting to change (slurm-tls.ts). Version-free: adapters and the client decide what the
// answers mean.

import { Pool, type Dispatcher } from 'undici';
import { NoSlurmTokenError, TokenSourceError, type SlurmCredentials, type TokenProvider } from '../auth/token-provider.js';
import type { Failure } from '../core/failure.js';
import { jsonOf } from './json-body.js';
import { classifyAnswer, classifyTransportError, type HttpAnswer, type SlurmError, type SlurmOperation } from './failure-classification.js';
import { exchange, TransportError, type ExchangeLimits, type JobListTarget, type RawAnswer } from './http-exchange.js';
import type { ThreadReading } from './job-list-thread.js';
import { NotSentError, RequestPacer, type PacerSettings } from './request-pacer.js';
import { SlurmRequestError, type PacingReport } from './slurm-api.js';
import { messageOf } from '../core/error-message.js';
import type { SlurmTlsMaterial } from '../config/slurm-tls-files.js';
import { SlurmTlsError, tlsConnectOptions, tlsContextOf } from './slurm-tls.js';
import { proxyTlsRefusalOf, tlsProblemOf } from './tls-problems.js';

export type { JobListTarget } from './http-exchange.js';

/** How long requests to slurmrestd may take, by phase (DEFAULT_TIMEOUTS: long enough for a slurmctld that is down or rate limiting). */
export interface SlurmRestTimeouts {
  /** TCP (and TLS) connect. */
  readonly connectMs: number;
  /** From sending the request to the end of the response headers (calls other than below). */
  readonly headersMs: number;
  /** Between two chunks of the response body (calls other than full lists). */
  readonly bodyMs: number;
  /**
   * A submit's wait for its answer's headers. A throttled slurmrestd answers late, never with an
   * error (it retries slurmctld's refusals, sleeping k s after the k-th): giving up early leaves
   * a job that may yet be created, which is how duplicates come.
   */
  readonly submitHeadersMs: number;
  /** A full list's wait for its headers: slurmrestd builds the whole body first (23.5 s at 20,000 jobs). */
  readonly listHeadersMs: number;
  /** Between two chunks of a full list's body. */
  readonly listBodyMs: number;
}

/**
 * How the token travels. `X-SLURM-USER-TOKEN` works with every version; `Authorization: Bearer`
 * from Slurm 23.02 (documents v0.0.39+ declare `bearerAuth`). slurmrestd rejects both at once.
 * `X-SLURM-USER-NAME` goes with either (required by 22.05, optional later).
 */
export type SlurmAuthScheme = 'x-slurm-user-token' | 'bearer';

/** How a Slurm client reaches slurmrestd. */
export interface SlurmHttpOptions {
  /** slurmrestd, e.g. `http://127.0.0.1:16820`; a path prefix (behind a proxy) is kept. */
  readonly baseUrl: string;
  /** Where each request gets its user name and token. */
  readonly credentials: TokenProvider;
  /** Over the default timeouts. */
  readonly timeouts?: Partial<SlurmRestTimeouts>;
  /** Connections to slurmrestd at most (more requests wait in undici's queue). */
  readonly maxConnections?: number;
  /** How the token travels; default `x-slurm-user-token`. */
  readonly authScheme?: SlurmAuthScheme;
  /** The request pacer's settings (tests shorten them). */
  readonly pacing?: Partial<PacerSettings>;
  /** An https URL's CA beside the system's roots, and client certificate (SDP_SLURMDEPLOY_SLURM_CA...). */
  readonly tls?: SlurmTlsMaterial;
  /**
   * Whether this replica leads (the deployer's leadership: bin/clients.ts). Asked for every
   * request but the reading of `/openapi/v3`, once its turn under the pacer has come and its token
   * is in hand, just before it is written: a submit that waited behind slurmctld's rate limit
   * while the lease lapsed is never sent, and fails transient ('not sent'). Absent: always.
   */
  readonly leading?: () => boolean;
}

/** slurmctld answers through slurmrestd ~9 s late when down (~18 s for GET job): wait for it. */
export const DEFAULT_TIMEOUTS: SlurmRestTimeouts = {
  connectMs: 5_000,
  headersMs: 30_000,
  bodyMs: 30_000,
  submitHeadersMs: 600_000,
  listHeadersMs: 600_000,
  listBodyMs: 60_000,
};
/**
 * One connection for every request the pacer lets out at once (16 at most) and two for polls
 * (a state poll and a full list), which never wait behind the limit: so no request waits in
 * undici's queue, where its time would look like throttling.
 */
const DEFAULT_MAX_CONNECTIONS = 18;
/** ~3.6 KB per job: room for tens of thousands of jobs, not for a runaway body. Full lists stream past it. */
const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
/** Answers whose time tells throttling: one RPC or two to slurmctld each, whatever the cluster's size. */
const SMALL: ReadonlySet<SlurmOperation> = new Set(['submit', 'cancel', 'getJob', 'readStates']);

export interface Answer extends HttpAnswer {
  /** The body as JSON (undefined when it is not JSON), parsed when first read, like `text`. */
  readonly body: unknown;
  /** The body as received: a large job list is read off the event loop from it (job-list-thread.ts). */
  readonly bytes: Buffer;
  /**
   * A job list's body that went to the worker thread as it arrived (a call given `jobList`, a
   * success answer at least `fromBytes` long): its reading; `bytes` and `text` are empty then.
   */
  readonly jobList?: Promise<ThreadReading>;
  /** Sent with the request; kept to scrub the token from whatever the answer says. */
  readonly credentials: SlurmCredentials;
}

/** A query's values; an array repeats the key (`job_id=1&job_id=2`). */
export type Query = Readonly<Record<string, string | readonly string[]>>;

export interface CallOptions {
  readonly query?: Query;
  readonly body?: object;
  /** Given up: a request still waiting for its turn is never sent, and rejects as transient ('not sent'). */
  readonly signal?: AbortSignal;
  /** A job list: its body, when large, is read by the worker thread as it arrives. */
  readonly jobList?: JobListTarget;
}

export interface SlurmHttp {
  /** The base URL, for messages (it holds no secret). */
  readonly baseUrl: string;
  /**
   * One request; `path` is below the base URL's path, e.g. `/slurm/v0.0.42/jobs/`. Rejects only
   * without an answer from slurmrestd: none at all, or a TLS proxy's refusal (a SlurmTlsError).
   */
  call(operation: SlurmOperation, method: Dispatcher.HttpMethod, path: string, options?: CallOptions): Promise<Answer>;
  /** Rejects with the classified failure of a non-success answer, or of `errors` a success answer carried. */
  fail(operation: SlurmOperation, answer: Answer, errors: readonly SlurmError[]): never;
  /** A failure of ours about an answer (unreadable body...), scrubbed like the others. */
  reject(failure: Failure, answer: Answer): SlurmRequestError;
  /** How requests are paced now. */
  pacing(): PacingReport;
  close(): Promise<void>;
}

export function createSlurmHttp(options: SlurmHttpOptions): SlurmHttp {
  const base = new URL(options.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const authScheme = options.authScheme ?? 'x-slurm-user-token';
  const pacer = new RequestPacer(options.pacing);
  const tls = tlsContextOf(options.baseUrl, options.tls);
  const pool = new Pool(base.origin, {
    connections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    connect: { timeout: timeouts.connectMs, ...tlsConnectOptions(options.tls) },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
    // slurmrestd 22.05 closes an idle connection after ~27 s (observed): closing ours well
    // before means a submit never goes out on a socket the server is about to close.
    keepAliveTimeout: 4_000,
  });

  return {
    baseUrl: options.baseUrl,

    async call(operation, method, path, callOptions = {}) {
      let permit;
      try {
        permit = await pacer.take(operation, callOptions.signal);
      } catch (error) {
        throw rejection(error instanceof NotSentError ? { kind: 'transient', message: error.message } : unexpected(operation, error), undefined);
      }
      let answerMs: number | undefined;
      try {
        const credentials = await credentialsFor(operation, options.credentials);
        if (operation !== 'discover' && options.leading?.() === false) throw rejection({ kind: 'transient', message: `${operation}: not sent: this replica does not lead` }, credentials);
        const query = queryOf(callOptions.query);
        try {
          const request = { method, path: `${prefix}${path}${query}`, headers: authHeaders(credentials, authScheme), ...(callOptions.body === undefined ? {} : { body: callOptions.body }) };
          const raw = await exchange(pool, request, limitsOf(operation, timeouts), callOptions.jobList);
          const refusal = proxyTlsRefusalOf(raw.status, raw.status === 400 ? raw.body.toString('utf8') : '', tls);
          if (refusal !== undefined) throw new SlurmTlsError(operation, refusal);
          if (tellsThrottling(operation, request.path, raw)) answerMs = raw.answerMs;
          return readAnswer(raw, credentials);
        } catch (error) {
          if (error instanceof SlurmTlsError) throw error;
          const tlsProblem = error instanceof TransportError ? tlsProblemOf(error.cause, tls) : undefined;
          // Nothing reached slurmrestd: never unknown-outcome, whatever was written to the socket.
          if (tlsProblem !== undefined) throw new SlurmTlsError(operation, tlsProblem);
          const failure = error instanceof TransportError ? classifyTransportError(operation, error.cause, error.requestSent) : unexpected(operation, error);
          throw rejection(failure, credentials);
        }
      } finally {
        permit.release(answerMs);
      }
    },

    fail(operation, answer, errors) {
      throw rejection(classifyAnswer(operation, answer, errors), answer.credentials, answer.status);
    },

    reject: (failure, answer) => rejection(failure, answer.credentials, answer.status),

    pacing: () => pacer.report(),

    close: () => pool.close(),
  };
}

function limitsOf(operation: SlurmOperation, timeouts: SlurmRestTimeouts): ExchangeLimits {
  switch (operation) {
    case 'submit':
      return { headersMs: timeouts.submitHeadersMs, bodyMs: timeouts.bodyMs, maxBytes: MAX_RESPONSE_BYTES };
    case 'listJobs':
      return { headersMs: timeouts.listHeadersMs, bodyMs: timeouts.listBodyMs, maxBytes: MAX_RESPONSE_BYTES };
    default:
      return { headersMs: timeouts.headersMs, bodyMs: timeouts.bodyMs, maxBytes: MAX_RESPONSE_BYTES };
  }
}

/**
 * Whether this answer's time says anything about throttling: an answer to a small request (a
 * state poll by id, not one listing every job, whose time grows with the cluster), not a 5xx
 * (slurmctld down answers ~9 s late too, and that is no rate limit).
 */
function tellsThrottling(operation: SlurmOperation, path: string, raw: RawAnswer): boolean {
  if (!SMALL.has(operation) || raw.status >= 500) return false;
  return operation !== 'readStates' || /[?&]job_id=/.test(path);
}

function queryOf(query: Query | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const one of typeof value === 'string' ? [value] : value) params.append(key, one);
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
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
    ...(raw.jobList === undefined ? {} : { jobList: raw.jobList }),
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
