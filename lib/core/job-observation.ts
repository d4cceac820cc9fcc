// What a deployment's state says about its job: the SDP state derived from a Slurm job, and
// the verdict on a job that a poll no longer shows.

import type { DeploymentState } from './deployment-state.js';
import type { SlurmJob } from './slurm-job.js';
import { formatJobState, isTerminalStatus, mapJobState } from './status.js';

export function stateOfJob(job: SlurmJob): DeploymentState {
  const mapped = mapJobState(job.state);
  const slurmState = formatJobState(job.state);
  const terminal = isTerminalStatus(mapped.status);
  const reason = mapped.known ? slurmReason(job.reason) : `unknown Slurm job state ${slurmState || '(empty)'}`;
  return {
    status: mapped.status,
    job_id: job.jobId,
    slurm_state: slurmState,
    ...(reason === undefined ? {} : { reason }),
    ...(terminal && job.exitCode ? { exit_code: job.exitCode.status } : {}),
    ...(terminal && job.exitCode && job.exitCode.signal !== 0 ? { signal: job.exitCode.signal } : {}),
  };
}

const LOST = 'job lost: it vanished from Slurm before a terminal state was seen';

export function lostJobState(jobId: number, lastSeen?: SlurmJob): DeploymentState {
  return {
    status: 'FAILED',
    job_id: jobId,
    ...(lastSeen ? { slurm_state: formatJobState(lastSeen.state) } : {}),
    reason: LOST,
  };
}

/** Whether a final state is the verdict on a job gone unseen, rather than a state Slurm reported. */
export function isLostVerdict(state: DeploymentState): boolean {
  return state.status === 'FAILED' && state.reason === LOST;
}

export function isActiveJob(job: SlurmJob): boolean {
  return !isTerminalStatus(mapJobState(job.state).status);
}

/** Slurm says `None` when there is no reason. */
function slurmReason(reason: string): string | undefined {
  return reason === '' || reason === 'None' ? undefined : reason;
}
