// The `errors` and `warnings` lists every slurmrestd version writes in nearly the same way, and
// the "no job changes" warning they carry.

import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { dropUndefined, nullable } from './body-codec.js';
import type { SlurmError } from './failure-classification.js';

const ErrorEntry = t.partial({
  error_code: nullable(t.number),
  error_number: nullable(t.number),
  errno: nullable(t.number),
  error: nullable(t.string),
  description: nullable(t.string),
  source: nullable(t.string),
});
const WithErrors = t.type({ errors: t.array(t.unknown) });
const WarningEntry = t.partial({ warning: nullable(t.string), description: nullable(t.string), source: nullable(t.string) });
const WithWarnings = t.type({ warnings: t.array(t.unknown) });

/**
 * The `errors` of any body, any version. The number comes as `error_code` (v0.0.38 parsing and
 * submit), `error_number` (everything else) or `errno` (v0.0.38 nodes while slurmctld is down).
 * Entries that are not objects are skipped: an error list must never make the error report fail.
 */
export function errorsOfBody(body: unknown): SlurmError[] {
  const decoded = WithErrors.decode(body);
  if (isLeft(decoded)) return [];
  const errors: SlurmError[] = [];
  for (const entry of decoded.right.errors) {
    const e = ErrorEntry.decode(entry);
    if (isLeft(e)) continue;
    const v = e.right;
    errors.push(
      dropUndefined({
        code: v.error_code ?? v.error_number ?? v.errno ?? undefined,
        error: v.error ?? undefined,
        description: v.description ?? undefined,
        source: v.source ?? undefined,
      }),
    );
  }
  return errors;
}

/** The texts of the `warnings` of any body (v0.0.39 on); none when there are none or they are unreadable. */
export function warningsOfBody(body: unknown): string[] {
  const decoded = WithWarnings.decode(body);
  if (isLeft(decoded)) return [];
  const texts: string[] = [];
  for (const entry of decoded.right.warnings) {
    const w = WarningEntry.decode(entry);
    if (isLeft(w)) continue;
    const text = [w.right.warning, w.right.description].filter((s): s is string => typeof s === 'string' && s !== '').join(' ');
    if (text !== '') texts.push(text);
  }
  return texts;
}

/**
 * slurmctld answered SLURM_NO_CHANGE_IN_DATA to `update_time`: v0.0.39 and later say so in a
 * warning of a 200 answer ("No job changes since update_time=..." / "...update_time[...]=...").
 */
export function saysNoJobChanges(body: unknown): boolean {
  return warningsOfBody(body).some((w) => w.includes('No job changes since update_time'));
}
