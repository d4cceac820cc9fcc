// The legend pieces most scenarios repeat: deployment d1 (revision 10, so submit id r10), whose
// job is 7. Each scenario still spells its own timeline; these only name what it would copy.

import type { SlurmJob } from '../../lib/core/slurm-job.js';
import { job } from './fixtures.js';
import { cancel, deleteState, lookup, poll, submit, write, type ExpectedCommand } from '../../streams/testing/index.js';

/** The opening of d1's life, lettered as the timelines write it: `P` a poll, `S` d1's submit (r10), `w` its PENDING write. */
export const firstSubmitOfD1 = {
  P: poll,
  S: submit('d1', 'r10'),
  w: write('d1', { status: 'PENDING', generation: 1 }),
} as const satisfies Readonly<Record<string, ExpectedCommand>>;

/** What the reducer writes for d1 (generation 1) once it knows its job 7. */
export const job7OfD1 = {
  /** The submit answered: PENDING with the job id, no Slurm state seen yet. */
  submitted: write('d1', { status: 'PENDING', job_id: 7, generation: 1 }),
  /** A poll saw the job RUNNING. */
  running: write('d1', { status: 'RUNNING', job_id: 7, slurm_state: 'RUNNING', generation: 1 }),
  /** A poll saw the job COMPLETED with exit code 0. */
  finished: write('d1', { status: 'FINISHED', job_id: 7, slurm_state: 'COMPLETED', exit_code: 0, generation: 1 }),
} as const satisfies Readonly<Record<string, ExpectedCommand>>;

/** The end of a deleted d1, lettered as the timelines write it: `C` the cancel of job 7, `L` a lookup of it, `D` the removal of d1's state. */
export const removalOfD1 = {
  C: cancel('d1', 7, 'deployment removed'),
  L: lookup('d1', 7),
  D: deleteState('d1'),
} as const satisfies Readonly<Record<string, ExpectedCommand>>;

/** A job still completing, as v0.0.38 prints it: the COMPLETING flag alone, no base state. */
export function completing(jobId: number, deploymentId: string): SlurmJob {
  return job(jobId, deploymentId, '', { state: { flags: ['COMPLETING'] } });
}
