// The value the deployer writes at /deploy/<id>/state (docs/deployments.md#what-it-reads-and-writes).

import { sameFields } from './same-fields.js';
import type { DeploymentStatus } from './status.js';

/** The value at `/deploy/<id>/state`: what became of a deployment's job (docs/deployments.md#what-it-reads-and-writes). */
export interface DeploymentState {
  /** The SDP status. */
  readonly status: DeploymentStatus;
  /** The Slurm job serving the deployment, once known. */
  readonly job_id?: number;
  /** The raw Slurm state, e.g. `RUNNING` or `PENDING+REQUEUED`. */
  readonly slurm_state?: string;
  /** Why: the deployer's words for a FAILED or CANCELLED deployment, or Slurm's reason for a job's state. */
  readonly reason?: string;
  /** The batch script's exit status, once it ended. */
  readonly exit_code?: number;
  /** The signal that ended the batch script, when one did. */
  readonly signal?: number;
  /** 1 for the first spec of a deployment; one more each time changed args replaced its job. */
  readonly generation?: number;
  /** Other active jobs found serving this deployment, cancelled. */
  readonly duplicate_jobs?: readonly number[];
  /** The hash of the args this state describes: after a restart, tells whether they changed. */
  readonly spec?: string;
}

/** The fields of a state compared as they are (the list of duplicates is compared by its members). */
const SCALAR_FIELDS = ['status', 'job_id', 'slurm_state', 'reason', 'exit_code', 'signal', 'generation', 'spec'] as const satisfies readonly (keyof DeploymentState)[];

export function sameState(a: DeploymentState | undefined, b: DeploymentState | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return sameFields(a, b, SCALAR_FIELDS) && (a.duplicate_jobs ?? []).join(',') === (b.duplicate_jobs ?? []).join(',');
}
