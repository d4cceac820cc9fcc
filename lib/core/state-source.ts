// Where a state a deployment shows came from, for its log line: slurmctld (a poll, a job list, a
// state read, or a lookup it answered) or Slurm accounting (a lookup slurmdbd answered for a job
// slurmctld had forgotten). A state the deployer decided (no job yet, a refusal, a verdict on a
// job gone unseen) has none.

import type { DeploymentState } from './deployment-state.js';
import { isLostVerdict } from './job-observation.js';
import { trackedJobOf } from './slot.js';
import type { Slot } from './world.js';

export type StateSource = 'slurmctld' | 'accounting';

export function stateSourceOf(slot: Slot | undefined, state: DeploymentState): StateSource | undefined {
  const job = trackedJobOf(slot);
  if (job?.observed === undefined || state.job_id !== job.jobId) return undefined;
  if (job.final !== undefined && isLostVerdict(job.final)) return undefined;
  return job.observed.source ?? 'slurmctld';
}
