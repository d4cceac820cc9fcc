// Talks to the local slurmrestd directly (not through the deployer), to see and make jobs the
// way another Slurm user would. Raw v0.0.38 bodies: what the real server says, unfiltered.

import type { StackEnv } from './stack.js';

export interface RawJob {
  readonly job_id: number;
  readonly name: string;
  readonly mcs_label: string;
  readonly comment: string;
  readonly job_state: string;
  readonly exit_code: number;
}

function headers(stack: StackEnv): Record<string, string> {
  return { 'X-SLURM-USER-NAME': stack.SLURM_USER, 'X-SLURM-USER-TOKEN': stack.SLURM_JWT, 'Content-Type': 'application/json' };
}

export async function slurmJobs(stack: StackEnv): Promise<RawJob[]> {
  const res = await fetch(`${stack.SLURM_URL}/slurm/v0.0.38/jobs`, { headers: headers(stack), signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`GET jobs: HTTP ${res.status}`);
  return ((await res.json()) as { jobs: RawJob[] }).jobs;
}

export async function jobsNamed(stack: StackEnv, name: string): Promise<RawJob[]> {
  return (await slurmJobs(stack)).filter((j) => j.name === name);
}

export async function submitDirect(stack: StackEnv, job: Record<string, unknown>, script: string): Promise<number> {
  const body = { script, job: { environment: { PATH: '/usr/bin:/bin' }, current_working_directory: stack.SLURM_JOB_DIR, ...job } };
  const res = await fetch(`${stack.SLURM_URL}/slurm/v0.0.38/job/submit`, {
    method: 'POST',
    headers: headers(stack),
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const json = (await res.json()) as { job_id?: number; errors?: unknown };
  if (!res.ok || json.job_id === undefined) throw new Error(`submit: HTTP ${res.status} ${JSON.stringify(json.errors)}`);
  return json.job_id;
}

export async function cancelDirect(stack: StackEnv, jobId: number): Promise<void> {
  await fetch(`${stack.SLURM_URL}/slurm/v0.0.38/job/${jobId}`, { method: 'DELETE', headers: headers(stack), signal: AbortSignal.timeout(30_000) });
}
