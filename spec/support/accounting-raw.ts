// slurmdbd's own record of a job (`GET /slurmdb/{version}/job/{id}`), read directly as the
// SlurmUser, not through the deployer's adapters: what the accounting specs compare the
// deployer's states against. Accounting versions here are v0.0.40 and later (24.11+), whose
// records group state, times and exit code.

import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import { plain } from './slurm-raw.js';
import type { StackEnv } from './stack.js';

export interface AccountingRecord {
  readonly job_id: number;
  readonly name: string;
  /** state.current[0]: COMPLETED, FAILED, CANCELLED, TIMEOUT... */
  readonly state: string;
  /** The job's own comment (kept only with AccountingStoreFlags=job_comment). */
  readonly comment: string;
  readonly mcs_label: string;
  /** exit_code.return_code, when set. */
  readonly return_code: number | null;
}

interface Body {
  readonly jobs?: readonly {
    readonly job_id: number;
    readonly name?: string;
    readonly state?: { readonly current?: readonly string[] };
    readonly comment?: { readonly job?: string };
    readonly mcs?: { readonly label?: string };
    readonly exit_code?: { readonly return_code?: unknown };
  }[];
}

/** The record of that job, or undefined while slurmdbd has none (an unknown job is 200 + `jobs: []`). */
export async function accountingRecord(stack: StackEnv, version: SlurmApiVersion, jobId: number): Promise<AccountingRecord | undefined> {
  const res = await fetch(`${stack.SLURM_URL}/slurmdb/${version}/job/${jobId}`, {
    headers: { 'X-SLURM-USER-NAME': 'slurm', 'X-SLURM-USER-TOKEN': stack.SLURM_ADMIN_TOKEN },
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`GET /slurmdb/${version}/job/${jobId}: HTTP ${res.status}`);
  const job = ((await res.json()) as Body).jobs?.find((j) => j.job_id === jobId);
  if (job === undefined) return undefined;
  const code = plain(job.exit_code?.return_code);
  return {
    job_id: job.job_id,
    name: job.name ?? '',
    state: job.state?.current?.[0] ?? '',
    comment: job.comment?.job ?? '',
    mcs_label: job.mcs?.label ?? '',
    return_code: typeof code === 'number' ? code : null,
  };
}
