// Slurm's `{set, infinite, number}` numbers (its `*_NO_VAL` convention) as data_parser reads and
// writes them from v0.0.39 on, and Slurm's times, where 0 means "has not happened".

import * as t from 'io-ts';
import { Int, nullable } from './body-codec.js';

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
