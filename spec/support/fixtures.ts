// Small builders for specs: settings, Slurm jobs and Config DB entries with sensible defaults.

import type { DeploymentEntry } from '../../lib/core/events.js';
import { formatJobIdentity, type SlurmJob } from '../../lib/core/slurm-job.js';
import type { ReducerSettings } from '../../lib/core/world.js';

export const LABEL = 'sdp_slurm_deployer_test_ns';

export const settings: ReducerSettings = {
  job: {
    label: LABEL,
    defaults: { currentWorkingDirectory: '/tmp', partition: 'debug' },
    baseEnvironment: { PATH: '/usr/bin:/bin', SDP_CONFIG_HOST: '127.0.0.1', SDP_CONFIG_PORT: '2379' },
    extraEnvironment: {},
  },
  pollIntervalMs: 10_000,
  backoff: { baseMs: 1000, maxMs: 60_000 },
};

export function entry(id: string, args: unknown = { script: '#!/bin/bash\ntrue\n' }, revision = 10, kind = 'slurm'): DeploymentEntry {
  return { id, kind, args, revision };
}

export function job(jobId: number, deploymentId: string, base: string, extra: Partial<SlurmJob> = {}, submitId = 'r10'): SlurmJob {
  return {
    jobId,
    name: deploymentId,
    mcsLabel: LABEL,
    comment: formatJobIdentity({ deploymentId, submitId }),
    state: { base, flags: [] },
    reason: 'None',
    ...extra,
  };
}
