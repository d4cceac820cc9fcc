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

/** The Config DB listed with these deployments (and nothing invalid). */
export const listed = (...deployments: DeploymentEntry[]): DeployerEvent => ({ type: 'configListed', deployments, invalid: [] });
/** A deployment created or changed. */
export const put = (entry: DeploymentEntry): DeployerEvent => ({ type: 'deploymentPut', deployment: entry });
/** A deployment deleted. */
export const deleted = (id: string): DeployerEvent => ({ type: 'deploymentDeleted', id });

/** Slurm cannot be reached: every Slurm command fails so. */
export const down = (message: string, kind: FailureKind = 'transient'): SlurmView => ({ down: { kind, message } });

/** The command succeeded. */
export const ok = (): Answer => ({ outcome: 'ok' });
/** The submit made job `jobId`. */
export const submitted = (jobId: number): Answer => ({ outcome: 'submitted', jobId });
/** The command failed so. */
export const fails = (kind: FailureKind, message: string): Answer => ({ outcome: 'failed', failure: { kind, message } });
/** The answer, given `frames` after the command instead of the usual delay. */
export const after = (frames: number, answer: Answer): Answer => ({ ...answer, after: frames });

/** A full poll of Slurm. */
export const poll: ExpectedCommand = { type: 'pollJobs' };
/** A state poll of these jobs (discovering jobs above `discoverAbove`, if given). */
export const pollStates = (jobIds: readonly number[], discoverAbove?: number): ExpectedCommand => ({
  type: 'pollStates',
  jobIds,
  ...(discoverAbove === undefined ? {} : { discoverAbove }),
});
/** The watermark written with this floor, not clean. */
export const watermark = (floor: number): ExpectedCommand => ({ type: 'writeWatermark', floor, clean: false });
/** Deployment `id`'s submit `submitId` (`r<revision>`), its spec compared on the fields given. */
export const submit = (id: string, submitId: string, spec?: Partial<JobSpec>): ExpectedCommand => ({
  type: 'submitJob',
  id,
  submitId,
  ...(spec ? { spec } : {}),
});
/** A lookup of job `jobId` for deployment `id`. */
export const lookup = (id: string, jobId: number): ExpectedCommand => ({ type: 'lookupJob', id, jobId });
/** The cancel of job `jobId` of deployment `id`, for this reason. */
export const cancel = (id: string, jobId: number, why: CancelReason): ExpectedCommand => ({ type: 'cancelJob', id, jobId, why });
/** Deployment `id`'s state written (compared without its spec hash). */
export const write = (id: string, state: DeploymentState): ExpectedCommand => ({ type: 'writeState', id, state });
/** Deployment `id`'s state removed. */
export const deleteState = (id: string): ExpectedCommand => ({ type: 'deleteState', id });
/** The job registry written: these job ids stored, those removed. */
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
