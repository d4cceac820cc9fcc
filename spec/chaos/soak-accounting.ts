// The soak's truth: Slurm accounting (slurmdbd), read with sacct as root inside the release's
// root (no rate limit, no slurmrestd). slurmctld forgets an ended job after MinJobAge (30 s on
// the chroot releases); accounting keeps every job, its final state, exit code and comment.

import { parseJobIdentity } from '../../lib/core/slurm-job.js';
import { inRoot, type Release } from '../../scripts/bench/production/release.js';

export interface AccountedJob {
  readonly jobId: number;
  readonly name: string;
  /** The base state: `CANCELLED by 0` reads CANCELLED. */
  readonly state: string;
  readonly exitCode: number;
  readonly signal: number;
  readonly comment: string;
  readonly label: string;
  /** From the comment the deployer writes: deployment=<id>;submit=r<revision>. */
  readonly deployment?: string;
  readonly submit?: string;
}

const ACTIVE = new Set(['PENDING', 'RUNNING', 'REQUEUED', 'RESIZING', 'SUSPENDED']);

export const isActive = (job: AccountedJob) => ACTIVE.has(job.state);

/** One line of `sacct -X -P -n -o JobID,JobName,State,ExitCode,Comment,MCSLabel`. */
export function parseSacctLine(line: string): AccountedJob | undefined {
  const fields = line.split('|');
  if (fields.length < 6) return undefined;
  const [id, name, state, exit] = fields as [string, string, string, string];
  const label = fields[fields.length - 1] ?? '';
  const comment = fields.slice(4, -1).join('|');
  const jobId = Number(id);
  if (!Number.isSafeInteger(jobId) || jobId <= 0) return undefined;
  const [code, signal] = exit.split(':').map(Number);
  const identity = parseJobIdentity(comment);
  return {
    jobId,
    name,
    state: state.split(' ')[0] ?? state,
    exitCode: code ?? 0,
    signal: signal ?? 0,
    comment,
    label,
    ...(identity === undefined ? {} : { deployment: identity.deploymentId, submit: identity.submitId }),
  };
}

/** Every job of `user` with `label` that accounting knows of since `sinceMs` (a wall-clock time). */
export async function readAccounting(release: Release, user: string, label: string, sinceMs: number): Promise<AccountedJob[]> {
  const minutes = Math.ceil((Date.now() - sinceMs) / 60_000) + 2;
  const out = await inRoot(release.root, ['sacct', '-X', '-P', '-n', '-o', 'JobID,JobName,State,ExitCode,Comment,MCSLabel', '-S', `now-${minutes}minutes`, '-E', 'now', `--user=${user}`]);
  return out
    .split('\n')
    .map(parseSacctLine)
    .filter((j): j is AccountedJob => j !== undefined && j.label === label);
}

/** Whether the release runs with slurmdbd (scripts/chroot-slurm.sh writes SLURM_ACCOUNTING=1). */
export const hasAccounting = (release: Release) => release.env['SLURM_ACCOUNTING'] === '1';
