// Turns what came back from slurmrestd (an answer, or a transport error) into the Failure the
// reducer decides on. Pure and version-free: version adapters extract the SlurmErrors.

import type { Failure, FailureKind } from '../core/failure.js';
import { messageOf } from '../core/error-message.js';

/** The calls the deployer makes; the same answer can mean different things for each. */
export type SlurmOperation = 'submit' | 'listJobs' | 'readStates' | 'getJob' | 'cancel' | 'discover';

/** One entry of a Slurm body's `errors`, whatever key the server used for the number. */
export interface SlurmError {
  /** `error_code`, `error_number` or `errno`; absent when the entry has none. */
  readonly code?: number;
  /** `error`: Slurm's text for the code. */
  readonly error?: string;
  readonly description?: string;
  /** The Slurm call that failed, e.g. `slurm_load_jobs`. */
  readonly source?: string;
}

/** An HTTP answer that was not a success. */
export interface HttpAnswer {
  readonly status: number;
  readonly contentType?: string;
  /** The body as text (text/plain bodies carry the message). */
  readonly text: string;
  /** How long slurmrestd took to answer: the one clue that tells "slurmctld down" from "token rejected". */
  readonly elapsedMs?: number;
}

/**
 * slurmrestd answers ~9 s late (GET job ~18 s) when slurmctld is down: it retries the
 * connection for MessageTimeout before giving up. A rejected token is answered in milliseconds.
 */
export const CONTROLLER_DOWN_ANSWER_MS = 5000;

const ESLURM_INVALID_JOB_ID = 2017;
const SLURM_PROTOCOL_SOCKET_ZERO_BYTES_SENT = 5005;

/** slurmctld could not be reached at all: nothing was done. */
const CONTROLLER_UNREACHABLE = new Set([1800, 1804, 1805, 1001]);
/**
 * The request may have reached slurmctld and the answer was lost (send, receive, shutdown,
 * incomplete packet, socket timeout): for a submit the job may exist.
 */
const ANSWER_LOST = new Set([1801, 1802, 1803, 1002, 1003, 1004, 5003, 5004]);
/** Slurm errors about the credentials themselves. */
const AUTH_CODES = new Set([1007, 2010, 6000, 6001, 6004, 6007, 6008, 6009, 6010, 6011, 9008]);
/** slurmctld refusals of the moment (queue full, standby, busy, submissions disabled, reboot). */
const BUSY_CODES = new Set([2007, 2016, 2020, 2027, 2041, 2059, 2105, 2120, 2131]);

/** GET /job/{id} answering "Invalid job id specified": Slurm no longer knows the job. */
export function meansJobNotFound(operation: SlurmOperation, errors: readonly SlurmError[]): boolean {
  return operation === 'getJob' && errors.some((e) => e.code === ESLURM_INVALID_JOB_ID);
}

/**
 * Classifies a non-success answer, or a success answer that carries errors (Slurm 24.11+ answers
 * a cancel of an unknown job with 200). `errors` are those of its JSON body (none for text bodies).
 */
export function classifyAnswer(operation: SlurmOperation, answer: HttpAnswer, errors: readonly SlurmError[]): Failure {
  const said = errors.length > 0 ? describeErrors(errors) : describeText(answer.text);
  const prefix = `${operation}: HTTP ${answer.status}`;
  const fail = (kind: FailureKind, why?: string): Failure => ({
    kind,
    message: [prefix, said, why].filter((s) => s !== undefined && s !== '').join(': '),
  });
  const status = answer.status;

  if (status === 401 || status === 403) return fail('auth', 'slurmrestd rejected the credentials');
  // Slurm 24.11+ maps a token slurmctld rejected to 511 Network Authentication Required.
  if (status === 511) return fail('auth', 'slurmctld rejected the credentials');
  if ([408, 429, 502, 503, 504].includes(status)) return fail('transient');
  if (status >= 400 && status < 500) {
    // 404 without a Slurm body is the router's "Unable find requested URL"; with one (23.02.4+)
    // it is Slurm's answer, e.g. 2017 for an unknown job. 400/422 are refusals of our request,
    // but Slurm 26.05+ also answers slurmctld's errors with 422: their numbers decide then.
    if (status === 404 && errors.length === 0) return fail('permanent', 'slurmrestd does not serve this path (is the API version enabled?)');
    const byCode = classifyCodes(operation, errors, undefined, false);
    return byCode === undefined ? fail('permanent') : fail(byCode.kind, byCode.why);
  }

  const byCode = classifyCodes(operation, errors, answer.elapsedMs, true);
  if (byCode !== undefined) return fail(byCode.kind, byCode.why);
  if (status >= 500) return fail('transient', errors.length > 0 ? undefined : 'no Slurm error in the answer');
  if (status >= 200 && status < 300) return fail('transient', 'Slurm reported an error in a successful answer');
  // Any other status (1xx/3xx where a body was expected) is an answer we cannot use: ask again later.
  return fail('transient', 'unexpected HTTP status');
}

interface CodeVerdict {
  readonly kind: FailureKind;
  readonly why?: string;
}

function classifyCodes(
  operation: SlurmOperation,
  errors: readonly SlurmError[],
  elapsedMs: number | undefined,
  unspecifiedMeansSomething: boolean,
): CodeVerdict | undefined {
  const codes = errors.map((e) => e.code).filter((c): c is number => c !== undefined);
  const has = (set: ReadonlySet<number>): boolean => codes.some((c) => set.has(c));

  if (has(ANSWER_LOST)) {
    return operation === 'submit'
      ? { kind: 'unknown-outcome', why: 'slurmctld may have accepted the job before the answer was lost' }
      : { kind: 'transient', why: 'the answer from slurmctld was lost' };
  }
  if (has(CONTROLLER_UNREACHABLE)) return { kind: 'transient', why: 'slurmctld is unreachable' };
  // Recorded for a garbage, expired or mismatched token on submit: slurmctld drops the connection.
  if (codes.includes(SLURM_PROTOCOL_SOCKET_ZERO_BYTES_SENT) || has(AUTH_CODES)) {
    return { kind: 'auth', why: 'slurmctld rejected the credentials' };
  }
  if (codes.includes(-1) && unspecifiedMeansSomething) return classifyUnspecified(elapsedMs);
  if (has(BUSY_CODES)) return { kind: 'transient', why: 'slurmctld refused for now' };
  // slurmctld (2000-4999) and slurmrestd parsing (9000-9999) refusals of the request itself.
  if (codes.some((c) => (c >= 2000 && c < 5000) || (c >= 9000 && c < 10000))) return { kind: 'permanent' };
  // Unknown key and similar parse errors come without a code, only from the parser.
  if (errors.some((e) => e.source === 'hsearch_r')) return { kind: 'permanent' };
  return undefined;
}

/**
 * `error_number -1, "Unspecified error"` from slurm_load_* is byte for byte the same body for
 * "slurmctld is down" and "slurmctld rejected the token" (see ctld_down_jobs.json and
 * err_bad_token.json). Only the delay tells them apart: slurmctld down costs ~9 s of connect
 * retries, a rejection comes back in milliseconds. Without a delay we say transient: both
 * kinds are retried with backoff by the reducer, so nothing is lost either way, while calling
 * a controller outage "auth" would send operators to the wrong problem and make token
 * providers refresh at poll rate. A bad token still shows up as auth on the next submit (5005).
 */
function classifyUnspecified(elapsedMs: number | undefined): CodeVerdict {
  if (elapsedMs === undefined) {
    return { kind: 'transient', why: 'slurmctld is unreachable or rejected the token (Slurm does not say which)' };
  }
  const seconds = (elapsedMs / 1000).toFixed(1);
  return elapsedMs >= CONTROLLER_DOWN_ANSWER_MS
    ? { kind: 'transient', why: `slurmctld did not answer (after ${seconds} s); it is probably down` }
    : { kind: 'auth', why: `slurmctld refused at once (after ${seconds} s); the token was probably rejected` };
}

/** Classifies a request that got no HTTP answer. */
export function classifyTransportError(operation: SlurmOperation, error: unknown, requestSent: boolean): Failure {
  const code = errorCode(error);
  const what = `${code ?? 'error'}: ${messageOf(error)}`;
  if (!requestSent || CONNECT_PHASE.has(code ?? '')) {
    return { kind: 'transient', message: `${operation}: slurmrestd unreachable (${what})` };
  }
  if (operation === 'submit') {
    return {
      kind: 'unknown-outcome',
      message: `${operation}: no answer after the request was sent (${what}); the job may or may not exist`,
    };
  }
  // GET and DELETE of one job are safe to repeat.
  return { kind: 'transient', message: `${operation}: no answer from slurmrestd (${what})` };
}

/** Errors that happen before a byte of the request can have reached slurmrestd. */
const CONNECT_PHASE: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

function errorCode(error: unknown): string | undefined {
  // undici wraps some socket errors: the cause carries the system code.
  for (let e: unknown = error, depth = 0; e instanceof Object && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Slurm's own words, each error once: `Invalid partition name specified [2000]`. */
export function describeErrors(errors: readonly SlurmError[]): string {
  return errors
    .map((e) => {
      const text = [e.error, e.description].filter((s): s is string => !!s);
      const words = text.length === 2 && text[1]!.includes(text[0]!) ? text[1]! : text.join(' - ');
      const tags = [e.code === undefined ? undefined : `Slurm error ${e.code}`, e.source].filter((s) => s !== undefined);
      return [words || 'no message', tags.length > 0 ? `[${tags.join(', ')}]` : ''].filter((s) => s !== '').join(' ');
    })
    .join('; ');
}

const MAX_TEXT = 300;

function describeText(text: string): string {
  const printable = text.trim().replace(/[^\x20-\x7e]+/g, ' ');
  return printable.length > MAX_TEXT ? `${printable.slice(0, MAX_TEXT)}...` : printable;
}
