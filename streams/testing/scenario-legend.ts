// Builders for the legends of marble scenarios (scenario-format.ts): what the Config DB holds and
// says, what Slurm shows, how sinks answer, and the commands expected, each in one short call.

import type { CancelReason } from '../../lib/core/commands.js';
import { canonicalJson } from '../../lib/core/canonical-json.js';
import type { DeploymentState } from '../../lib/core/deployment-state.js';
import type { DeployerEvent, DeploymentEntry } from '../../lib/core/events.js';
import type { FailureKind } from '../../lib/core/failure.js';
import { formatJobIdentity, type JobSpec, type SlurmJob } from '../../lib/core/slurm-job.js';
import { specHash } from '../../lib/core/spec-hash.js';
import { SCENARIO_LABEL, type Answer, type ExpectedCommand, type SlurmView } from './scenario-format.js';

/** A slurm deployment as the Config DB holds it (revision 10 makes submit id `r10`, as `job()` assumes). */
export function deployment(
  id: string,
  options: { readonly args?: unknown; readonly revision?: number; readonly kind?: string; readonly priorState?: DeploymentState } = {},
): DeploymentEntry {
  const { args = { script: '#!/bin/bash\ntrue\n' }, revision = 10, kind = 'slurm', priorState } = options;
  // A state this deployer wrote names the args it described, as the reducer writes it.
  const prior = priorState === undefined ? {} : { priorState: { spec: specHash(canonicalJson(args)), ...priorState } };
  return { id, kind, args, revision, ...prior };
}

export const listed = (...deployments: DeploymentEntry[]): DeployerEvent => ({ type: 'configListed', deployments, invalid: [] });
export const put = (entry: DeploymentEntry): DeployerEvent => ({ type: 'deploymentPut', deployment: entry });
export const deleted = (id: string): DeployerEvent => ({ type: 'deploymentDeleted', id });

export const down = (message: string, kind: FailureKind = 'transient'): SlurmView => ({ down: { kind, message } });

export const ok = (): Answer => ({ outcome: 'ok' });
export const submitted = (jobId: number): Answer => ({ outcome: 'submitted', jobId });
export const fails = (kind: FailureKind, message: string): Answer => ({ outcome: 'failed', failure: { kind, message } });
/** The answer, given `frames` after the command instead of the usual delay. */
export const after = (frames: number, answer: Answer): Answer => ({ ...answer, after: frames });

export const poll: ExpectedCommand = { type: 'pollJobs' };
export const pollStates = (jobIds: readonly number[], discoverAbove?: number): ExpectedCommand => ({
  type: 'pollStates',
  jobIds,
  ...(discoverAbove === undefined ? {} : { discoverAbove }),
});
export const watermark = (floor: number): ExpectedCommand => ({ type: 'writeWatermark', floor, clean: false });
export const submit = (id: string, submitId: string, spec?: Partial<JobSpec>): ExpectedCommand => ({
  type: 'submitJob',
  id,
  submitId,
  ...(spec ? { spec } : {}),
});
export const lookup = (id: string, jobId: number): ExpectedCommand => ({ type: 'lookupJob', id, jobId });
export const cancel = (id: string, jobId: number, why: CancelReason): ExpectedCommand => ({ type: 'cancelJob', id, jobId, why });
export const write = (id: string, state: DeploymentState): ExpectedCommand => ({ type: 'writeState', id, state });
export const deleteState = (id: string): ExpectedCommand => ({ type: 'deleteState', id });
export const record = (add: readonly number[], remove: readonly number[] = []): ExpectedCommand => ({ type: 'recordJobs', add, remove });

/** A job of ours as Slurm shows it: named for its deployment, with our label and the identity of submit `submitId`, in state `base`. */
export function slurmJob(jobId: number, deploymentId: string, base: string, extra: Partial<SlurmJob> = {}, submitId = 'r10'): SlurmJob {
  return {
    jobId,
    name: deploymentId,
    mcsLabel: SCENARIO_LABEL,
    comment: formatJobIdentity({ deploymentId, submitId }),
    state: { base, flags: [] },
    reason: 'None',
    ...extra,
  };
}
