// Small builders for specs: settings, Slurm jobs and Config DB entries with sensible defaults.

import type { DeploymentEntry } from '../../lib/core/events.js';
import type { ReducerSettings } from '../../lib/core/world.js';
import type { StatusRow } from '../../lib/core/status-table.js';
import { SCENARIO_LABEL, scenarioSettings } from '../../streams/testing/index.js';

/** A Slurm job of ours (the package's slurmJob: the scenarios' label). */
export { slurmJob as job } from '../../streams/testing/index.js';

export const LABEL = SCENARIO_LABEL;

/** The scenarios' settings on a real deployer's scale: a poll every 10 s, backoff from 1 s. */
export const settings: ReducerSettings = { ...scenarioSettings, pollIntervalMs: 10_000, backoff: { baseMs: 1000, maxMs: 60_000 } };

export function entry(id: string, args: unknown = { script: '#!/bin/bash\ntrue\n' }, revision = 10, kind = 'slurm'): DeploymentEntry {
  return { id, kind, args, revision };
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
