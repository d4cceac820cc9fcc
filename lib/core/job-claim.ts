// Which deployment a labelled job serves, and whether it runs that deployment's current spec.

import { parseJobIdentity, type SlurmJob } from './slurm-job.js';
import type { Desired } from './deployment.js';

export interface Claim {
  readonly deploymentId: string;
  readonly submitId?: string;
  readonly specHash?: string;
}

/** Claims parsed once per job object: jobs are values, and a poll's are read many times. */
const claims = new WeakMap<SlurmJob, Claim>();

/** The deployment a labelled job serves: its recorded identity, else (older jobs) its name. */
export function claimOf(job: SlurmJob): Claim {
  let claim = claims.get(job);
  if (claim === undefined) {
    claim = parseJobIdentity(job.comment) ?? { deploymentId: job.name };
    claims.set(job, claim);
  }
  return claim;
}

/** The claim of a job polled again: the same as before when its comment and name are (not parsed again). */
export function claimOfNext(job: SlurmJob, previous: SlurmJob | undefined): Claim {
  if (previous === undefined || previous.comment !== job.comment || previous.name !== job.name) return claimOf(job);
  const claim = claimOf(previous);
  claims.set(job, claim);
  return claim;
}

/**
 * Whether the record tells which deployment and submit made the job: not one a state report made
 * up (`partial` set, true or false: apply-states.ts) whose comment was never read, which only
 * looks like the job of an older deployer without identity.
 */
export function identityKnown(job: SlurmJob): boolean {
  return job.partial === undefined || job.comment !== '';
}

/** Whether a job with this identity runs the desired spec: by its args where it says, else by the submit. */
export function servesSpec(claim: Claim, desired: Desired): boolean {
  return claim.specHash !== undefined ? claim.specHash === desired.specHash : claim.submitId === desired.submitId;
}
