// The answer to `GET /jobs/state` (REST v0.0.40+): each job's id and state, nothing else. Read
// into core's JobStateReport; the highest id listed is kept for the deployer's discovery floor.

import * as t from 'io-ts';
import type { JobStateReport } from '../core/slurm-job.js';
import { decodeBody, Int } from './body-codec.js';
import { jobStateOfList } from './job-state-parsing.js';

/**
 * slurmrestd writes `job_id` as a string here (unlike every other job answer): "12" for a plain
 * job, and for arrays "<id>_<task>" ("12_3"; Slurm 24.11 puts the array's id before the `_`,
 * 26.05 the task's own job id) or "12_[4-9]" for tasks not yet split off; a heterogeneous job
 * would read "<leader>+<offset>". A number is read too, in case a later version prints one.
 */
const StateEntry = t.type({ job_id: t.union([t.string, Int]), state: t.array(t.string, 'a list of states') }, 'a job state entry');
const StatesBody = t.type({ jobs: t.array(StateEntry, 'a list of job states') }, 'an object with a jobs list');

export interface StatesListing {
  /** The plain jobs listed: the deployer submits neither arrays nor heterogeneous jobs. */
  readonly states: JobStateReport[];
  /**
   * The highest job id listed, 0 when none: the leading number of every entry counts, which for
   * an array task or a heterogeneous component is at most its own job id, never above it.
   */
  readonly highestJobId: number;
}

export function readStatesBody(body: unknown, version: string): StatesListing {
  const states: JobStateReport[] = [];
  let highestJobId = 0;
  for (const entry of decodeBody(StatesBody, body, version, 'job states body').jobs) {
    const id = typeof entry.job_id === 'number' ? String(entry.job_id) : entry.job_id;
    const leading = /^\d+/.exec(id)?.[0];
    if (leading === undefined) continue;
    const jobId = Number(leading);
    if (!Number.isSafeInteger(jobId)) continue;
    highestJobId = Math.max(highestJobId, jobId);
    if (leading === id && jobId > 0) states.push({ jobId, state: jobStateOfList(entry.state) });
  }
  return { states, highestJobId };
}
