// Small builders for specs: settings, Slurm jobs and Config DB entries with sensible defaults.

import type { DeploymentEntry } from '../../lib/core/events.js';
import { formatJobIdentity, type SlurmJob } from '../../lib/core/slurm-job.js';
import type { ReducerSettings } from '../../lib/core/world.js';
import type { StatusRow } from '../../lib/core/status-table.js';

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

/** The least environment the deployer starts with: a Slurm URL, a static JWT, the release names. */
export const MINIMAL_ENV = {
  SDP_SLURMDEPLOY_SLURM_URL: 'http://127.0.0.1:16820/',
  SDP_SLURMDEPLOY_CLIENT_ID: 'slurmjob',
  SDP_SLURMDEPLOY_SLURM_JWT: 'eyJ.secret-jwt.sig',
  SDP_SLURMDEPLOY_RELEASE_NAME: 'sdp',
  SDP_SLURMDEPLOY_NAMESPACE: 'dp',
};

/** A status row with every fact absent but those given. */
export function statusRow(deployment: string, fields: Partial<StatusRow> = {}): StatusRow {
  return {
    deployment,
    job_id: null,
    slurm_state: null,
    status: null,
    reason: null,
    submitted: null,
    age_seconds: null,
    exit_code: null,
    submit_id: null,
    generation: null,
    ...fields,
  };
}
