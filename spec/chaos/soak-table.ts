// The soak's verdict from Slurm accounting: every deployment's final state (as the deployer wrote
// it) against the job accounting has for its latest submit, and every job of the run against a
// deployment. Pure: what was asked, the states at the end and accounting's jobs go in, rows out.

import type { DeploymentState } from '../../lib/core/deployment-state.js';
import { isTerminalStatus, mapJobState } from '../../lib/core/status.js';
import type { Row } from './ledger.js';
import { isActive, type AccountedJob } from './soak-accounting.js';

export interface AskedView {
  readonly submits: readonly string[];
  readonly deleted: boolean;
  readonly finalState?: DeploymentState;
}

export interface SoakFacts {
  readonly asked: ReadonlyMap<string, AskedView>;
  /** The states in the Config DB at the end. */
  readonly states: ReadonlyMap<string, DeploymentState>;
  /** Accounting's jobs of the run (its label). */
  readonly jobs: readonly AccountedJob[];
}

const row = (name: string, details: string[]): Row => ({ name, count: details.length, details });
const describe = (job: AccountedJob) => `job ${job.jobId} ${job.state} ${job.exitCode}:${job.signal}`;

/** What a state must say of an ended job accounting has; undefined when it says that. */
export function stateMismatch(state: DeploymentState, job: AccountedJob): string | undefined {
  if (isActive(job)) return `${describe(job)} has not ended (state ${state.status})`;
  const owed = mapJobState({ base: job.state, flags: [] }).status;
  if (state.status !== owed) return `state ${state.status}${state.reason === undefined ? '' : ` (${state.reason})`}, accounting ${describe(job)}: owed ${owed}`;
  // A cancelled job's record says 0:0 (the signal is on its batch step): its exit code is not compared.
  if (owed !== 'CANCELLED' && (state.exit_code ?? 0) !== job.exitCode) return `state ${state.status} exit ${state.exit_code ?? 'none'}, accounting ${describe(job)}`;
  return undefined;
}

export function soakRows(facts: SoakFacts): Row[] {
  const byId = new Map(facts.jobs.map((j) => [j.jobId, j]));
  const bySubmit = new Map<string, AccountedJob[]>();
  const lost: string[] = [];
  for (const job of facts.jobs) {
    const asked = job.deployment === undefined ? undefined : facts.asked.get(job.deployment);
    if (asked === undefined || job.submit === undefined) {
      lost.push(`${describe(job)} (${job.name}): no deployment of the run asked for it (comment ${JSON.stringify(job.comment)})`);
      continue;
    }
    if (!asked.submits.includes(job.submit)) lost.push(`${describe(job)}: ${job.deployment} never had submit ${job.submit}`);
    const key = `${job.deployment}@${job.submit}`;
    bySubmit.set(key, [...(bySubmit.get(key) ?? []), job]);
    // Nothing may run on for a deployment deleted, or for args replaced.
    if (isActive(job) && (asked.deleted || asked.submits.at(-1) !== job.submit)) lost.push(`${describe(job)}: still active for ${job.deployment}, ${asked.deleted ? 'deleted' : `replaced by ${asked.submits.at(-1)}`}`);
  }
  const duplicates = [...bySubmit]
    .filter(([, jobs]) => jobs.length > 1)
    .map(([key, jobs]) => `${key}: ${jobs.map(describe).join(', ')}`);

  const wrong: string[] = [];
  const neverWritten: string[] = [];
  const leftAfterDelete: string[] = [];
  for (const [id, asked] of facts.asked) {
    const latest = asked.submits.at(-1);
    if (latest === undefined) continue; // its put never landed
    const state = asked.deleted ? asked.finalState : facts.states.get(id);
    if (asked.deleted && facts.states.has(id)) leftAfterDelete.push(`${id}: deleted, state ${JSON.stringify(facts.states.get(id))} left`);
    // A deployment deleted before it ended has no final state to judge: its jobs must only have ended.
    if (state === undefined) {
      if (!asked.deleted) neverWritten.push(`${id}: no state; accounting: ${bySubmit.get(`${id}@${latest}`)?.map(describe).join(', ') ?? 'no job'} for ${latest}`);
      continue;
    }
    const owned = bySubmit.get(`${id}@${latest}`)?.[0];
    const named = state.job_id === undefined ? undefined : byId.get(state.job_id);
    if (owned !== undefined && state.job_id !== owned.jobId) {
      lost.push(`${id}: accounting has ${describe(owned)} for ${latest}, the state names ${state.job_id === undefined ? 'no job' : `job ${state.job_id}`} (${state.status})`);
      continue;
    }
    if (named === undefined) {
      wrong.push(`${id}: state ${state.status}${state.reason === undefined ? '' : ` (${state.reason})`} names ${state.job_id === undefined ? 'no job' : `job ${state.job_id}, unknown to accounting`}`);
      continue;
    }
    if (named.submit !== latest) {
      wrong.push(`${id}: state ${state.status} describes job ${named.jobId} of ${named.submit}, not of the latest args ${latest}`);
      continue;
    }
    const mismatch = stateMismatch(state, named);
    if (mismatch !== undefined) wrong.push(`${id}: ${mismatch}`);
    else if (!isTerminalStatus(state.status)) wrong.push(`${id}: state ${state.status} at the end`);
  }
  return [
    row('duplicates created (one submit, several jobs)', duplicates),
    row('lost jobs (not adopted, not asked, left active)', lost),
    row('wrong final states (vs accounting)', wrong),
    row('states never written', neverWritten),
    row('states left after delete', leftAfterDelete),
  ];
}
