// The legend pieces of scenarios where Slurm serves job states (`GET /jobs/state`): the settings
// on a scenario's scale and the listing that carries a watermark (and a job registry).

import { canonicalJson } from '../../lib/core/canonical-json.js';
import type { DeployerEvent, DeploymentEntry } from '../../lib/core/events.js';
import { formatJobIdentity } from '../../lib/core/slurm-job.js';
import { specHash } from '../../lib/core/spec-hash.js';
import type { ReducerSettings, RegisteredJob, Watermark } from '../../lib/core/world.js';

/**
 * A state poll every 5 frames, every job's state every 40, an unknown outcome settles after 30
 * frames, the watermark written at most every 10, and a term after an unclean stop waits 15.
 */
export const statePollSettings: Partial<ReducerSettings> = {
  statePollIntervalMs: 5,
  pollIntervalMs: 40,
  submitSettleMs: 30,
  watermark: { everyMs: 10, takeoverHoldMs: 15 },
};

/** A listing at the start of a term, with the watermark the last term left (none: never written). */
export function listedWith(watermark: Watermark | undefined, ...deployments: DeploymentEntry[]): DeployerEvent {
  return { type: 'configListed', deployments, invalid: [], ...(watermark ? { watermark } : {}) };
}

/** The same, with the job registry the last term left. */
export function listedWithRegistry(watermark: Watermark, registeredJobs: readonly RegisteredJob[], ...deployments: DeploymentEntry[]): DeployerEvent {
  return { type: 'configListed', deployments, invalid: [], watermark, registeredJobs };
}

/**
 * A job as the registry holds it: the identity its submit (`r10`, as scenario.ts `deployment()`
 * and fixtures' `job()` make it) gave it for `args` (the default deployment's unless given).
 */
export function registeredJob(jobId: number, id: string, args: unknown = { script: '#!/bin/bash\ntrue\n' }, submitId = 'r10'): RegisteredJob {
  return { jobId, deployment: id, comment: formatJobIdentity({ deploymentId: id, submitId, specHash: specHash(canonicalJson(args)) }) };
}
