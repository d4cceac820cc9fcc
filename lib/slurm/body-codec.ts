// The io-ts building blocks every version adapter decodes slurmrestd bodies with, and the decode
// error that names the fields that did not fit by path, never by value.

import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import type { Failure } from '../core/failure.js';
import { SlurmRequestError } from './slurm-api.js';

export const Int = t.refinement(t.number, Number.isInteger, 'integer');
export const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null, t.undefined], `${codec.name} or null`);

/** Decodes a body or throws a transient SlurmRequestError naming the fields that did not fit. */
export function decodeBody<A>(codec: t.Decoder<unknown, A>, body: unknown, version: string, what: string): A {
  const decoded = codec.decode(body);
  if (!isLeft(decoded)) return decoded.right;
  const failure: Failure = { kind: 'transient', message: `unreadable ${version} ${what}: ${describeDecodeErrors(decoded.left)}` };
  throw new SlurmRequestError(failure);
}

/** Names the failing fields by path and expected type, never their values. */
export function describeDecodeErrors(errors: t.Errors): string {
  const found = new Set<string>();
  for (const error of errors) {
    // Intersection and union members are context entries too: keep only keys of objects and arrays.
    const steps = error.context.filter((_c, i) => i > 0 && PATH_TAGS.has(tagOf(error.context[i - 1]?.type)));
    const path = steps.map((c) => c.key).join('.') || '(body)';
    const expected = (steps.at(-1) ?? error.context[0])?.type.name ?? 'a value';
    found.add(`${path}: expected ${expected}`);
    if (found.size >= 3) break;
  }
  return [...found].join('; ');
}

const PATH_TAGS: ReadonlySet<string> = new Set(['InterfaceType', 'PartialType', 'ArrayType', 'DictionaryType', 'ExactType']);

function tagOf(type: t.Decoder<unknown, unknown> | undefined): string {
  const tag = (type as { _tag?: unknown } | undefined)?._tag;
  return typeof tag === 'string' ? tag : '';
}

export function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
