// What a deployment's state says about its job: the SDP state derived from a Slurm job, and
// the verdict on a job that a poll no longer shows.

import type { DeploymentState } from './deployment-state.js';
import type { SlurmJob } from './slurm-job.js';
import { formatJobState, isTerminalStatus, mapJobState } from './status.js';

/** The reason Slurm gives a job whose dependency can never be met (a job it depends on ended the wrong way). */
export const DEPENDENCY_NEVER_SATISFIED = 'DependencyNeverSatisfied';

export function stateOfJob(job: SlurmJob): DeploymentState {
  const mapped = mapJobState(job.state);
  const slurmState = formatJobState(job.state);
  const terminal = isTerminalStatus(mapped.status);
  // Slurm cancels such a job itself (kill_on_invalid_dependency, which the deployer sets for the
  // jobs of deployments that depend on others): it never ran, it failed; the user cancelled nothing.
  const neverSatisfied = mapped.status === 'CANCELLED' && job.reason === DEPENDENCY_NEVER_SATISFIED;
  const reason = neverSatisfied
    ? `${DEPENDENCY_NEVER_SATISFIED}: a job it depends on ended so that its dependency can never be met; Slurm cancelled it`
    : mapped.known
      ? slurmReason(job.reason)
      : `unknown Slurm job state ${slurmState || '(empty)'}`;
  return {
    status: neverSatisfied ? 'FAILED' : mapped.status,
    job_id: job.jobId,
    slurm_state: slurmState,
    ...(reason === undefined ? {} : { reason }),
    ...(terminal && job.exitCode ? { exit_code: job.exitCode.status } : {}),
    ...(terminal && job.exitCode && job.exitCode.signal !== 0 ? { signal: job.exitCode.signal } : {}),
  };
}

/** How every verdict on a job whose end was never seen begins: a state seen later replaces it. */
const LOST = 'job lost: ';

/** Where a lookup looked before it found a job gone: slurmctld alone, or accounting too. */
export type LookedIn = 'slurmctld' | 'slurmctld and accounting';

/** The verdict on a job no poll shows and a lookup found unknown; `lookedIn` absent: journals of older versions. */
export function lostJobState(jobId: number, lastSeen?: SlurmJob, lookedIn?: LookedIn): DeploymentState {
  return verdict(jobId, lastSeen, lostReason(lookedIn));
}

function lostReason(lookedIn: LookedIn | undefined): string {
  switch (lookedIn) {
    case undefined:
      return `${LOST}it vanished from Slurm before a terminal state was seen`;
    case 'slurmctld':
      return `${LOST}it vanished from slurmctld before a terminal state was seen, and no Slurm accounting (slurmdbd) was there to ask`;
    case 'slurmctld and accounting':
      return `${LOST}it vanished from slurmctld before a terminal state was seen, and Slurm accounting (slurmdbd) has no record of it`;
  }
}

/** The verdict on a job whose lookups kept answering with a job that is not it (lookup-match.ts). */
export function unmatchedJobState(jobId: number, lastSeen: SlurmJob | undefined, seen: string, answers: number): DeploymentState {
  return verdict(jobId, lastSeen, `${LOST}job ${jobId}: ${seen} (${answers} lookup${answers === 1 ? '' : 's'} in a row)`);
}

function verdict(jobId: number, lastSeen: SlurmJob | undefined, reason: string): DeploymentState {
  return {
    status: 'FAILED',
    job_id: jobId,
    ...(lastSeen ? { slurm_state: formatJobState(lastSeen.state) } : {}),
    reason,
  };
}

/** Whether a final state is a verdict on a job gone unseen, rather than a state Slurm reported. */
export function isLostVerdict(state: DeploymentState): boolean {
  return state.status === 'FAILED' && state.reason?.startsWith(LOST) === true;
}

export function isActiveJob(job: SlurmJob): boolean {
  return !isTerminalStatus(mapJobState(job.state).status);
}

/** Slurm says `None` when there is no reason. */
function slurmReason(reason: string): string | undefined {
  return reason === '' || reason === 'None' ? undefined : reason;
}
