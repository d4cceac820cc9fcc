// What every version adapter needs to read a slurmrestd body at the edge: io-ts helpers, decode
// errors named by field path (never by value), Slurm's `{set, infinite, number}` numbers, and the
// `errors`/`warnings` lists that every version writes in nearly the same way.

import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import type { Failure } from '../core/failure.js';
import type { ExitCode } from '../core/slurm-job.js';
import type { JobState } from '../core/status.js';
import type { SlurmError } from './failure-classification.js';
import { SlurmRequestError } from './slurm-api.js';

export const Int = t.refinement(t.number, Number.isInteger, 'integer');
export const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null, t.undefined], `${codec.name} or null`);

/**
 * A `*_NO_VAL` number as data_parser writes it (v0.0.39 on): `{set, infinite, number}`. Parsers
 * also take a bare integer, and the "complex" mode writes one, so both are read.
 */
export const NoValNumber = t.union(
  [Int, t.partial({ set: nullable(t.boolean), infinite: nullable(t.boolean), number: nullable(t.number) })],
  '{set, infinite, number} or integer',
);
export type NoValNumber = t.TypeOf<typeof NoValNumber>;

/** The number when Slurm set it to a finite value; undefined for unset (NO_VAL) or infinite. */
export function noValNumber(value: NoValNumber | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return value;
  if (value.set !== true || value.infinite === true || typeof value.number !== 'number') return undefined;
  return value.number;
}

/** `{set: true, infinite: false, number: n}`: how a number is sent to v0.0.39 and later. */
export function setNumber(n: number): { set: true; infinite: false; number: number } {
  return { set: true, infinite: false, number: n };
}

/** Slurm says 0 for a time that has not happened (start of a pending job). */
export function unixTime(value: number | null | undefined): number | undefined {
  return value === null || value === undefined || value <= 0 ? undefined : value;
}

/**
 * The base states of `enum job_states` (slurm.h). Anything else a job state names is a flag
 * (LAUNCH_FAILED and EXPEDITING included), or a state this deployer does not know.
 */
const BASE_JOB_STATES: ReadonlySet<string> = new Set([
  'PENDING',
  'RUNNING',
  'SUSPENDED',
  'COMPLETED',
  'CANCELLED',
  'FAILED',
  'TIMEOUT',
  'NODE_FAIL',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
  'OUT_OF_MEMORY',
]);

/**
 * v0.0.40 and later report the state as a list: one base state plus the set flags, e.g.
 * `["PENDING", "REQUEUED"]`. The first base state found is the base; the rest are flags, so a
 * value this deployer does not know stays visible (and maps to UNSET) instead of being dropped.
 */
export function jobStateOfList(states: readonly string[]): JobState {
  const base = states.find((s) => BASE_JOB_STATES.has(s));
  const flags = states.filter((s) => s !== base);
  return base === undefined ? { flags } : { base, flags };
}

/** The exit code object of v0.0.40 and later: `{status[], return_code, signal: {id, name}}`. */
export const VerboseExitCode = t.partial({
  status: nullable(t.array(t.string)),
  return_code: nullable(NoValNumber),
  signal: nullable(t.partial({ id: nullable(NoValNumber), name: nullable(t.string) })),
});
export type VerboseExitCode = t.TypeOf<typeof VerboseExitCode>;

/**
 * Reads the verbose exit code. PENDING and INVALID mean the job has not exited: no exit code.
 * `return_code` is already WEXITSTATUS and `signal.id` WTERMSIG (data_parser splits the wait status).
 */
export function exitCodeOfVerbose(value: VerboseExitCode | null | undefined): ExitCode | undefined {
  if (value === null || value === undefined) return undefined;
  const status = value.status ?? [];
  if (status.length === 0 || status.includes('PENDING') || status.includes('INVALID')) return undefined;
  return { status: noValNumber(value.return_code) ?? 0, signal: noValNumber(value.signal?.id) ?? 0 };
}

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

export function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
