// Reads a job's exit code as slurmrestd writes it: the raw wait status through v0.0.39, the
// verbose `{status[], return_code, signal}` object from v0.0.40.

import * as t from 'io-ts';
import type { ExitCode } from '../core/slurm-job.js';
import { nullable } from './body-codec.js';
import { NoValNumber, noValNumber } from './no-val-number.js';

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
