// The undici client against the real local slurmrestd 22.05 (scripts/stack-start.sh).

import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { staticJwtProvider } from '../../../lib/auth/static-jwt.js';
import { Secret } from '../../../lib/core/secret.js';
import type { JobSpec, SlurmJob } from '../../../lib/core/slurm-job.js';
import { createSlurmRestClient } from '../../../lib/slurm/rest-client.js';
import { SlurmRequestError, type SlurmApi } from '../../../lib/slurm/slurm-api.js';
import { startStack, type StackEnv } from '../../support/stack.js';

/** A label no deployer under test owns, so that their specs and ours never touch each other's jobs. */
const LABEL = `sdp_slurm_deployer_restclientspec_${process.pid}`;

describe('Slurm REST client against the real slurmrestd @live', function () {
  this.timeout(120_000);
  let env: StackEnv;
  let api: SlurmApi;
  const submitted: number[] = [];

  function jobSpec(name: string, script: string, extra: Partial<JobSpec> = {}): JobSpec {
    return {
      name,
      script,
      environment: { PATH: '/usr/local/bin:/usr/bin:/bin', GREETING: 'hello from the spec' },
      mcsLabel: LABEL,
      comment: `sdp-slurm-deployer:deployment=${name};submit=${randomUUID()}`,
      partition: 'debug',
      currentWorkingDirectory: env.SLURM_JOB_DIR,
      standardOutput: `${env.SLURM_JOB_DIR}/%x-%j.out`,
      ...extra,
    };
  }

  async function submit(spec: JobSpec): Promise<number> {
    const id = await api.submit(spec);
    submitted.push(id);
    return id;
  }

  /** Polls getJob until the job is in `state` (as v0.0.38 prints it) or the time is up. */
  async function waitForState(jobId: number, state: string, timeoutMs = 60_000): Promise<SlurmJob> {
    const deadline = Date.now() + timeoutMs;
    let last: SlurmJob | undefined;
    while (Date.now() < deadline) {
      last = await api.getJob(jobId);
      if (last?.state.base === state) return last;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`job ${jobId} did not reach ${state}; last seen ${JSON.stringify(last?.state)}`);
  }

  before(async () => {
    env = await startStack();
    api = createSlurmRestClient({ baseUrl: env.SLURM_URL, credentials: staticJwtProvider(env.SLURM_USER, new Secret(env.SLURM_JWT)) });
  });

  after(async () => {
    // Leave no job of ours running for the next spec.
    for (const id of submitted) await api.cancel(id).catch(() => undefined);
    await api?.close();
  });

  it('submits a labelled job, lists it with label, name and comment intact, and sees it COMPLETED', async () => {
    const spec = jobSpec(`rest-ok-${process.pid}`, '#!/bin/bash\necho "$GREETING"\nexit 0\n', {
      nodes: 1,
      tasks: 1,
      cpusPerTask: 1,
      memoryPerNodeMB: 100,
      timeLimitMinutes: 5,
    });
    const id = await submit(spec);
    expect(id).to.be.a('number').and.greaterThan(0);

    const listed = (await api.listJobs()).find((j) => j.jobId === id);
    expect(listed).to.include({ jobId: id, name: spec.name, mcsLabel: LABEL, comment: spec.comment });

    const done = await waitForState(id, 'COMPLETED');
    expect(done).to.include({ name: spec.name, mcsLabel: LABEL, comment: spec.comment });
    expect(done.exitCode).to.deep.equal({ status: 0, signal: 0 });
    expect(done.endTime).to.be.a('number');
  });

  it('reads the exit status of a failed job', async () => {
    const id = await submit(jobSpec(`rest-fail-${process.pid}`, '#!/bin/bash\nexit 3\n'));
    const failed = await waitForState(id, 'FAILED');
    expect(failed.reason).to.equal('NonZeroExitCode');
    expect(failed.exitCode).to.deep.equal({ status: 3, signal: 0 });
  });

  it('cancels a long job and sees it CANCELLED', async () => {
    const id = await submit(jobSpec(`rest-cancel-${process.pid}`, '#!/bin/bash\nsleep 300\n'));
    await waitForState(id, 'RUNNING');
    await api.cancel(id);
    const cancelled = await waitForState(id, 'CANCELLED', 30_000);
    expect(cancelled.mcsLabel).to.equal(LABEL);
  });

  it('answers undefined for a job id Slurm does not know', async () => {
    const highest = Math.max(0, ...(await api.listJobs()).map((j) => j.jobId));
    expect(await api.getJob(highest + 500_000)).to.equal(undefined);
  });

  it("rejects a bad partition as permanent with Slurm's message", async () => {
    const error = await rejectionOf(api.submit(jobSpec('rest-badpart', '#!/bin/bash\ntrue\n', { partition: 'no-such-partition' })));
    expect(error.status).to.equal(500);
    expect(error.failure).to.deep.equal({ kind: 'permanent', message: 'submit: HTTP 500: Invalid partition name specified [Slurm error 2000]' });
  });

  it('rejects a garbage token as auth, on list and on submit, without echoing it', async () => {
    const garbage = `garbage.${randomUUID()}.token`;
    const bad = createSlurmRestClient({ baseUrl: env.SLURM_URL, credentials: staticJwtProvider(env.SLURM_USER, new Secret(garbage)) });
    try {
      const list = await rejectionOf(bad.listJobs());
      expect(list.failure.kind).to.equal('auth');
      expect(list.status).to.equal(500);
      const submitError = await rejectionOf(bad.submit(jobSpec('rest-badtoken', '#!/bin/bash\ntrue\n')));
      expect(submitError.failure.kind).to.equal('auth');
      expect(submitError.message).to.contain('Zero Bytes were transmitted or received');
      for (const error of [list, submitError]) expect(error.message).not.to.contain(garbage.split('.')[1]);
    } finally {
      await bad.close();
    }
  });
});

async function rejectionOf(promise: Promise<unknown>): Promise<SlurmRequestError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SlurmRequestError) return error;
    throw error;
  }
  throw new Error('expected a rejection, the call succeeded');
}
