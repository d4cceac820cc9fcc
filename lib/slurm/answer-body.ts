// What every call makes of a slurmrestd answer before it reads it: success or not, and its JSON
// body through a version's reader, any failure of either classified and scrubbed like the others.

import { messageOf } from '../core/error-message.js';
import type { SlurmOperation } from './failure-classification.js';
import type { Answer, SlurmHttp } from './slurm-http.js';

/** Any 2xx; the readers then insist on a JSON body. */
export function isSuccess(answer: Answer): boolean {
  return answer.status >= 200 && answer.status < 300;
}

/** The answer's JSON body read by `parse`; an empty, non-JSON or unreadable body is a transient failure. */
export function parsedBody<T>(http: SlurmHttp, operation: SlurmOperation, answer: Answer, parse: (body: unknown) => T): T {
  if (answer.body === undefined) {
    const message = `${operation}: HTTP ${answer.status} ${answer.text.trim() === '' ? 'with an empty body' : 'with a body that is not JSON'}`;
    throw http.reject({ kind: 'transient', message }, answer);
  }
  try {
    return parse(answer.body);
  } catch (error) {
    throw http.reject({ kind: 'transient', message: `${operation}: ${messageOf(error)}` }, answer);
  }
}
