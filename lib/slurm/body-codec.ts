// The io-ts building blocks every version adapter decodes slurmrestd bodies with, and the decode
// error that names the fields that did not fit by path, never by value.

import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { describeDecodeErrors } from '../core/decode-errors.js';
import type { Failure } from '../core/failure.js';
import { SlurmRequestError } from './slurm-api.js';

export const Int = t.refinement(t.number, Number.isInteger, 'integer');
export const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null, t.undefined], `${codec.name} or null`);

/** Decodes a body or throws a transient SlurmRequestError naming the fields that did not fit. */
export function decodeBody<A>(codec: t.Type<A, unknown, unknown>, body: unknown, version: string, what: string): A {
  // These codecs only check (none transforms or strips), so a body that passes the guard is its own
  // decoding: a list of 10,000 jobs is not rebuilt, context by context, on every poll.
  if (codec.is(body)) return body;
  const decoded = codec.decode(body);
  if (!isLeft(decoded)) return decoded.right;
  const failure: Failure = { kind: 'transient', message: `unreadable ${version} ${what}: ${describeDecodeErrors(decoded.left, { root: '(body)', most: 3 })}` };
  throw new SlurmRequestError(failure);
}
