// How each real Slurm release answers where releases differ, as observed on the real servers
// (spec/fixtures/recorded) and asserted both by the live matrix and by the unit specs that run
// the client against the fake slurmrestd replaying those recordings: the two must agree.

import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import type { SlurmRelease } from './stack.js';

export const ERROR_STATUS: Readonly<Record<SlurmRelease, { readonly badPartition: number; readonly badToken: number }>> = {
  '22.05': { badPartition: 500, badToken: 500 },
  '24.11': { badPartition: 500, badToken: 511 },
  '26.05': { badPartition: 422, badToken: 511 },
};

/**
 * v0.0.40/41 answer a `DELETE job/{id}` of an unknown job with 200 and nothing in it: that answer
 * cannot tell. The client cancels through the bulk `DELETE /jobs` there, whose status[] does.
 */
export function unknownCancelIsSilent(version: SlurmApiVersion): boolean {
  return version === 'v0.0.40' || version === 'v0.0.41';
}
