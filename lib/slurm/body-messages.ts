// The `errors` and `warnings` lists every slurmrestd version writes in nearly the same way, and
// the "no job changes" warning they carry.

import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { definedOnly } from '../core/defined-only.js';
import { nullable } from './body-codec.js';
import type { SlurmError } from './failure-classification.js';

const ErrorEntry = t.partial({
  error_code: nullable(t.number),
  error_number: nullable(t.number),
  errno: nullable(t.number),
  error: nullable(t.string),
  description: nullable(t.string),
  source: nullable(t.string),
});
const WarningEntry = t.partial({ warning: nullable(t.string), description: nullable(t.string), source: nullable(t.string) });

/** The entries of the list `key` of a body that decode; none when the list is missing or not a list. */
function readableEntries<A>(body: unknown, key: 'errors' | 'warnings', entry: t.Decoder<unknown, A>): A[] {
  const decoded = t.type({ [key]: t.array(t.unknown) }).decode(body);
  if (isLeft(decoded)) return [];
  return (decoded.right[key] ?? []).flatMap((e) => {
    const one = entry.decode(e);
    return isLeft(one) ? [] : [one.right];
  });
}

/**
 * The `errors` of any body, any version. The number comes as `error_code` (v0.0.38 parsing and
 * submit), `error_number` (everything else) or `errno` (v0.0.38 nodes while slurmctld is down).
 * Entries that are not objects are skipped: an error list must never make the error report fail.
 */
export function errorsOfBody(body: unknown): SlurmError[] {
  return readableEntries(body, 'errors', ErrorEntry).map((v) =>
    definedOnly({
      code: v.error_code ?? v.error_number ?? v.errno ?? undefined,
      error: v.error ?? undefined,
      description: v.description ?? undefined,
      source: v.source ?? undefined,
    }),
  );
}

/** The texts of the `warnings` of any body (v0.0.39 on); none when there are none or they are unreadable. */
export function warningsOfBody(body: unknown): string[] {
  return readableEntries(body, 'warnings', WarningEntry)
    .map((w) => [w.warning, w.description].filter((s): s is string => typeof s === 'string' && s !== '').join(' '))
    .filter((text) => text !== '');
}

/**
 * slurmctld answered SLURM_NO_CHANGE_IN_DATA to `update_time`: v0.0.39 and later say so in a
 * warning of a 200 answer ("No job changes since update_time=..." / "...update_time[...]=...").
 */
export function saysNoJobChanges(body: unknown): boolean {
  return warningsOfBody(body).some((w) => w.includes('No job changes since update_time'));
}
