// A real slurmrestd's own job records, read directly in any version (not through the deployer's
// adapters), flattened to plain values: v0.0.38 prints numbers and one state string, v0.0.40+
// print `{set, infinite, number}` and a state list. What a spec compares what it sent against.
// Read as the SlurmUser (the stack's admin token), whom slurmctld does not rate-limit: a spec's
// own looks at Slurm, however often it waits on them, take nothing from the bucket of the user
// whose client or deployer the spec is about.

import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import type { StackEnv } from './stack.js';

export interface RawJob {
  readonly job_id: number;
  readonly name: string;
  readonly mcs_label: string;
  readonly comment: string;
  /** The base state: v0.0.38's string, the first entry of v0.0.40+'s list. */
  readonly job_state: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** The user SLURM_ADMIN_TOKEN was minted for by the stack scripts (SlurmUser=slurm). */
const ADMIN_USER = 'slurm';

function headers(stack: StackEnv): Record<string, string> {
  return { 'X-SLURM-USER-NAME': ADMIN_USER, 'X-SLURM-USER-TOKEN': stack.SLURM_ADMIN_TOKEN, 'Content-Type': 'application/json' };
}

/** `{set: true, number: n}` -> n, `{set: false}` -> null, anything else as it is. */
export function plain(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && 'set' in value && 'number' in value) {
    const v = value as { set: boolean; infinite?: boolean; number: number };
    return v.infinite === true ? 'infinite' : v.set ? v.number : null;
  }
  return value;
}

function toRaw(job: Record<string, unknown>): RawJob {
  const state = job['job_state'];
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(job)) fields[k] = plain(v);
  return {
    job_id: job['job_id'] as number,
    name: String(job['name'] ?? ''),
    mcs_label: String(job['mcs_label'] ?? ''),
    comment: String(job['comment'] ?? ''),
    job_state: Array.isArray(state) ? String(state[0]) : String(state),
    fields,
  };
}

const jobsPath = (version: SlurmApiVersion) => (version === 'v0.0.38' || version === 'v0.0.39' ? 'jobs' : 'jobs/');

export async function rawJobs(stack: StackEnv, version: SlurmApiVersion): Promise<RawJob[]> {
  const res = await fetch(`${stack.SLURM_URL}/slurm/${version}/${jobsPath(version)}`, { headers: headers(stack), signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`GET jobs: HTTP ${res.status}`);
  return ((await res.json()) as { jobs: Record<string, unknown>[] }).jobs.map(toRaw);
}

export async function rawJob(stack: StackEnv, version: SlurmApiVersion, jobId: number): Promise<RawJob | undefined> {
  const res = await fetch(`${stack.SLURM_URL}/slurm/${version}/job/${jobId}`, { headers: headers(stack), signal: AbortSignal.timeout(30_000) });
  if (!res.ok) return undefined;
  return ((await res.json()) as { jobs: Record<string, unknown>[] }).jobs.map(toRaw).find((j) => j.job_id === jobId);
}

export async function rawJobsNamed(stack: StackEnv, version: SlurmApiVersion, name: string): Promise<RawJob[]> {
  return (await rawJobs(stack, version)).filter((j) => j.name === name);
}

/** Cancels a job as SlurmUser (a spec's clean-up of jobs it left, whoever submitted them). */
export async function cancelRaw(stack: StackEnv, version: SlurmApiVersion, jobId: number): Promise<void> {
  const res = await fetch(`${stack.SLURM_URL}/slurm/${version}/job/${jobId}`, { method: 'DELETE', headers: headers(stack), signal: AbortSignal.timeout(30_000) });
  await res.arrayBuffer();
}
