// The deployments and Slurm jobs the bench feeds the reducer: N deployments of one script, and
// the jobs and states a deployer that already runs them would see. The job identity and the
// state are learnt from the reducer itself on one deployment, never built by hand, so the bench
// follows whatever the reducer under test writes.

import type { Command } from '../../lib/core/commands.js';
import type { DeploymentState } from '../../lib/core/deployment-state.js';
import type { DeployerEvent, DeploymentEntry } from '../../lib/core/events.js';
import type { Reducer } from '../../lib/core/reducer.js';
import type { SlurmJob } from '../../lib/core/slurm-job.js';
import type { ReducerSettings, World } from '../../lib/core/world.js';

export const LABEL = 'sdp_slurm_deployer_bench_ns';
export const T0 = 1_800_000_000_000;
export const ARGS = { script: '#!/bin/bash\nsleep 600\n' };
export const REVISION = 10;
export const FIRST_JOB_ID = 100_000;
/** What the fake slurmrestd of the pipeline bench accepts. */
export const FAKE_USER = 'benchuser';
export const FAKE_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJiZW5jaHVzZXIifQ.YmVuY2g';

export function benchSettings(pollIntervalMs = 60_000): ReducerSettings {
  return {
    job: {
      label: LABEL,
      defaults: { currentWorkingDirectory: '/tmp', partition: 'debug' },
      baseEnvironment: { PATH: '/usr/bin:/bin', SDP_CONFIG_HOST: '127.0.0.1', SDP_CONFIG_PORT: '2379' },
      extraEnvironment: {},
    },
    pollIntervalMs,
    backoff: { baseMs: 1000, maxMs: 300_000 },
  };
}

export const deploymentId = (i: number) => `bench-${String(i).padStart(6, '0')}`;

export interface Template {
  /** The comment of deployment 0's job; other deployments' differ only in the id. */
  readonly comment: string;
  /** The state the reducer writes for deployment 0 once its job runs. */
  readonly running: DeploymentState;
}

/** Feeds events, answering every command as a healthy Slurm and Config DB would, on one deployment. */
export function learnTemplate(reducer: Reducer, initial: World): Template {
  const id = deploymentId(0);
  let world = initial;
  let submitted: Extract<Command, { type: 'submitJob' }> | undefined;
  let running: DeploymentState | undefined;
  let pollId: number | undefined;
  let jobState = 'PENDING';
  const feed = (event: DeployerEvent): void => {
    const step = reducer(world, event);
    world = step.world;
    const answers: DeployerEvent[] = [];
    for (const c of step.commands) {
      if (c.type === 'submitJob') {
        submitted = c;
        answers.push({ type: 'jobSubmitted', id: c.id, submitId: c.submitId, jobId: FIRST_JOB_ID });
      } else if (c.type === 'writeState') {
        if (c.state.slurm_state === 'RUNNING') running = c.state;
        answers.push({ type: 'stateWritten', id: c.id, state: c.state });
      } else if (c.type === 'pollJobs') {
        pollId = c.pollId;
      }
    }
    for (const answer of answers) feed(answer);
  };
  const poll = (now: number): void => {
    feed({ type: 'tick', now });
    if (pollId === undefined) throw new Error('bench: the reducer issued no poll');
    const jobs = submitted === undefined ? [] : [jobOf(0, { comment: submitted.spec.comment }, jobState)];
    const id = pollId;
    pollId = undefined;
    feed({ type: 'jobsPolled', pollId: id, jobs });
  };
  feed({ type: 'configListed', deployments: [{ id, kind: 'slurm', args: ARGS, revision: REVISION }], invalid: [] });
  poll(T0);
  jobState = 'RUNNING';
  poll(T0 + 600_000);
  if (submitted === undefined || running === undefined) throw new Error('bench: could not learn the job identity and running state from the reducer');
  return { comment: submitted.spec.comment, running };
}

export function jobOf(i: number, template: Pick<Template, 'comment'>, base: string): SlurmJob {
  const id = deploymentId(i);
  return {
    jobId: FIRST_JOB_ID + i,
    name: id,
    mcsLabel: LABEL,
    comment: template.comment.replace(`deployment=${deploymentId(0)};`, `deployment=${id};`),
    state: { base, flags: [] },
    reason: 'None',
    submitTime: T0 / 1000,
    ...(base === 'COMPLETED' ? { exitCode: { status: 0, signal: 0 }, endTime: T0 / 1000 + 60 } : {}),
  };
}

/** N deployments found at a restart, each with the state of its running job. */
export function runningEntries(n: number, template: Template): DeploymentEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    id: deploymentId(i),
    kind: 'slurm',
    args: ARGS,
    revision: REVISION,
    priorState: { ...template.running, job_id: FIRST_JOB_ID + i },
  }));
}

export function jobsOf(n: number, template: Template, base: string): SlurmJob[] {
  return Array.from({ length: n }, (_, i) => jobOf(i, template, base));
}
