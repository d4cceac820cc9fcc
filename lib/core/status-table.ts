// `deployer status`: one row per slurm deployment, from the Config DB (its state as written)
// and Slurm (its job as it is now). Pure: the caller reads both; lib/cli/status-table-text.ts prints the rows.

import type { DeploymentState } from './deployment-state.js';
import type { DeploymentEntry, InvalidDeployment } from './events.js';
import { stateOfJob } from './job-observation.js';
import { parseJobIdentity, type SlurmJob } from './slurm-job.js';
import { formatJobState, isTerminalStatus, mapJobState } from './status.js';

/** An invalid deployment as listed, with the state the deployer wrote for it (FAILED), if read. */
export type ListedInvalidDeployment = InvalidDeployment & { readonly priorState?: DeploymentState };

/** One deployment as `status -o json|yaml` prints it; absent facts are null. */
export interface StatusRow {
  readonly deployment: string;
  readonly job_id: number | null;
  /** The job's state as Slurm reports it now; `<state> (gone)` for a job Slurm no longer lists. */
  readonly slurm_state: string | null;
  /** As written in the Config DB. */
  readonly status: string | null;
  /** Null when there is none (a running job's). */
  readonly reason: string | null;
  /** When the job was submitted, ISO 8601. */
  readonly submitted: string | null;
  /** Seconds since then. */
  readonly age_seconds: number | null;
  /** Null until the job ended: Slurm says 0 for a job that has not. */
  readonly exit_code: number | null;
  readonly submit_id: string | null;
  readonly generation: number | null;
}

export function statusRows(
  deployments: readonly DeploymentEntry[],
  invalid: readonly ListedInvalidDeployment[],
  jobs: readonly SlurmJob[],
  label: string,
  nowMs: number,
): StatusRow[] {
  const ours = jobs.filter((j) => j.mcsLabel === label);
  const rows: StatusRow[] = deployments
    .filter((d) => d.kind === 'slurm')
    .map((d) => {
      const state = d.priorState;
      const job = ours.find((j) => j.jobId === state?.job_id) ?? newestJobOf(ours, d.id);
      const submitted = job?.submitTime;
      const ended = job !== undefined && isTerminalStatus(mapJobState(job.state).status);
      return {
        deployment: d.id,
        job_id: job?.jobId ?? state?.job_id ?? null,
        slurm_state: job ? formatJobState(job.state) : state?.slurm_state ? `${state.slurm_state} (gone)` : null,
        status: state?.status ?? null,
        reason: nonEmpty(state?.reason) ?? (job ? nonEmpty(stateOfJob(job).reason) : undefined) ?? null,
        submitted: submitted === undefined ? null : new Date(submitted * 1000).toISOString(),
        age_seconds: submitted === undefined ? null : Math.max(0, Math.floor(nowMs / 1000 - submitted)),
        exit_code: job === undefined ? (state?.exit_code ?? null) : ended ? (job.exitCode?.status ?? state?.exit_code ?? null) : null,
        submit_id: (job && parseJobIdentity(job.comment)?.submitId) ?? null,
        generation: state?.generation ?? null,
      };
    });
  for (const bad of invalid) {
    rows.push({
      deployment: bad.id,
      job_id: null,
      slurm_state: null,
      status: bad.priorState?.status ?? null,
      reason: bad.reason,
      submitted: null,
      age_seconds: null,
      exit_code: null,
      submit_id: null,
      generation: null,
    });
  }
  return rows.sort((a, b) => a.deployment.localeCompare(b.deployment));
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}

function newestJobOf(jobs: readonly SlurmJob[], id: string): SlurmJob | undefined {
  return jobs
    .filter((j) => (parseJobIdentity(j.comment)?.deploymentId ?? j.name) === id)
    .sort((a, b) => a.jobId - b.jobId)
    .at(-1);
}
