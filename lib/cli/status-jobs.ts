// The Slurm jobs `status` shows, read as cheaply as the server allows. Where it answers
// `GET /jobs/state` (REST v0.0.40+ on 23.11.5+), only the jobs the rows name are read: their
// states, in as few requests as the server takes, then the record of each job whose state is not
// the one read last time (`status --watch` keeps the records between reads). Never the whole
// cluster's job list, which on a production cluster is megabytes a read, and whose requests count
// against the same per-user rate limit in slurmctld as the deployer's own. Elsewhere (22.05), the
// whole list, as before.

import type { DeploymentListing } from '../configdb/config-db.js';
import type { SlurmJob } from '../core/slurm-job.js';
import { formatJobState } from '../core/status.js';
import type { SlurmApi } from '../slurm/slurm-api.js';

export type StatusSlurm = Pick<SlurmApi, 'readsStates' | 'readStates' | 'getJob' | 'listJobs'>;

/** Reads the jobs for one `status` read; a watch reads through the same reader each time. */
export interface StatusJobReader {
  /**
   * The jobs among `jobIds` Slurm still knows (or, where the server has no `GET /jobs/state`,
   * every job of the cluster); `jobIds` are the jobs the rows name.
   */
  read(jobIds: readonly number[]): Promise<readonly SlurmJob[]>;
  /** Whether read() takes the job ids (else it lists every job, and the ids can be left unknown). */
  readonly byId: boolean;
}

export function statusJobReader(slurm: StatusSlurm): StatusJobReader {
  if (!slurm.readsStates) return { byId: false, read: () => slurm.listJobs() };
  // The records read last time, by job id: one whose state has not changed is not read again.
  let known = new Map<number, SlurmJob>();
  let asked = false;
  return {
    byId: true,
    async read(jobIds) {
      const ids = [...new Set(jobIds)].sort((a, b) => a - b);
      if (ids.length === 0) {
        // The first read asks Slurm something all the same: a token it refuses is said at once
        // (exit 5), not taken for a cluster with nothing to show. The cheapest question that
        // reaches slurmctld with the token: every job's id and state (about 80 bytes a job).
        if (!asked) await slurm.readStates({ jobIds: [], all: true });
        asked = true;
        known = new Map();
        return [];
      }
      asked = true;
      const { states } = await slurm.readStates({ jobIds: ids });
      const records = await Promise.all(
        states.map((report) => {
          const before = known.get(report.jobId);
          return before !== undefined && formatJobState(before.state) === formatJobState(report.state) ? before : slurm.getJob(report.jobId);
        }),
      );
      const jobs = records.filter((job): job is SlurmJob => job !== undefined);
      known = new Map(jobs.map((job) => [job.jobId, job]));
      return jobs;
    },
  };
}

/** The jobs the states of the listing's slurm deployments name (only `ids`' when some are given). */
export function jobIdsNamed(listing: DeploymentListing, ids: readonly string[]): number[] {
  const named: number[] = [];
  for (const d of listing.deployments) {
    const jobId = d.priorState?.job_id;
    if (d.kind === 'slurm' && jobId !== undefined && (ids.length === 0 || ids.includes(d.id))) named.push(jobId);
  }
  return named;
}
