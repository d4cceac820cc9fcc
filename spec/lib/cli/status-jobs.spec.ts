// Which Slurm requests one `status` read makes: by id where the server reads states (never the
// whole cluster's list), a record only for a job whose state changed since the last read; the
// whole list where it cannot.

import { expect } from 'chai';
import { jobIdsNamed, statusJobReader, type StatusSlurm } from '../../../lib/cli/status-jobs.js';
import type { SlurmJob } from '../../../lib/core/slurm-job.js';
import type { StatesRequest } from '../../../lib/slurm/slurm-api.js';
import { entry, job } from '../../support/fixtures.js';

/** A Slurm holding `jobs`, noting every call. */
class CountingSlurm implements StatusSlurm {
  readonly calls: string[] = [];
  constructor(
    readonly readsStates: boolean,
    public jobs: SlurmJob[],
  ) {}
  listJobs(): Promise<readonly SlurmJob[]> {
    this.calls.push('listJobs');
    return Promise.resolve(this.jobs);
  }
  readStates(request: StatesRequest) {
    this.calls.push(`readStates ${request.jobIds.join(',')}${request.all || request.discover ? ' all' : ''}`);
    const states = this.jobs.filter((j) => request.jobIds.includes(j.jobId)).map((j) => ({ jobId: j.jobId, state: j.state }));
    return Promise.resolve({ states });
  }
  getJob(jobId: number): Promise<SlurmJob | undefined> {
    this.calls.push(`getJob ${jobId}`);
    return Promise.resolve(this.jobs.find((j) => j.jobId === jobId));
  }
}

describe('status: the jobs read from Slurm', () => {
  it('reads the states of the jobs named, then the record of each, and never the whole list', async () => {
    const slurm = new CountingSlurm(true, [job(7, 'a', 'RUNNING'), job(8, 'b', 'PENDING'), job(9, 'other', 'RUNNING')]);
    const jobs = await statusJobReader(slurm).read([8, 7, 8, 12]);
    expect(jobs.map((j) => j.jobId)).to.deep.equal([7, 8]);
    // Job 12 is unknown to Slurm: no record is asked for it.
    expect(slurm.calls).to.deep.equal(['readStates 7,8,12', 'getJob 7', 'getJob 8']);
  });

  it('watching, reads again only the record of a job whose state changed, and forgets a job Slurm forgot', async () => {
    const slurm = new CountingSlurm(true, [job(7, 'a', 'RUNNING'), job(8, 'b', 'PENDING')]);
    const reader = statusJobReader(slurm);
    await reader.read([7, 8]);
    slurm.calls.length = 0;
    expect((await reader.read([7, 8])).map((j) => j.state.base)).to.deep.equal(['RUNNING', 'PENDING']);
    expect(slurm.calls).to.deep.equal(['readStates 7,8']);
    slurm.calls.length = 0;
    slurm.jobs = [job(7, 'a', 'COMPLETED', { exitCode: { status: 0, signal: 0 } }), job(8, 'b', 'PENDING')];
    const ended = await reader.read([7, 8]);
    expect(slurm.calls).to.deep.equal(['readStates 7,8', 'getJob 7']);
    expect(ended.find((j) => j.jobId === 7)?.exitCode).to.deep.equal({ status: 0, signal: 0 });
    slurm.jobs = [job(8, 'b', 'PENDING')];
    expect((await reader.read([7, 8])).map((j) => j.jobId)).to.deep.equal([8]);
  });

  it('with no job named, asks once for every job\'s id and state (the token is checked), then nothing', async () => {
    const slurm = new CountingSlurm(true, [job(7, 'a', 'RUNNING')]);
    const reader = statusJobReader(slurm);
    expect(await reader.read([])).to.deep.equal([]);
    expect(await reader.read([])).to.deep.equal([]);
    expect(slurm.calls).to.deep.equal(['readStates  all']);
  });

  it('lists every job where the server reads no states by id (REST v0.0.38)', async () => {
    const slurm = new CountingSlurm(false, [job(7, 'a', 'RUNNING'), job(9, 'other', 'RUNNING')]);
    const reader = statusJobReader(slurm);
    expect(reader.byId).to.equal(false);
    expect((await reader.read([7])).map((j) => j.jobId)).to.deep.equal([7, 9]);
    expect(slurm.calls).to.deep.equal(['listJobs']);
  });

  it('names the jobs of the slurm deployments asked for, from their states', () => {
    const listing = {
      revision: 1,
      invalid: [],
      orphanStates: [],
      deployments: [
        { ...entry('a'), priorState: { status: 'RUNNING' as const, job_id: 7 } },
        { ...entry('b'), priorState: { status: 'PENDING' as const } },
        { ...entry('c'), priorState: { status: 'RUNNING' as const, job_id: 9 } },
        { ...entry('h'), kind: 'helm', priorState: { status: 'RUNNING' as const, job_id: 11 } },
      ],
    };
    expect(jobIdsNamed(listing, [])).to.deep.equal([7, 9]);
    expect(jobIdsNamed(listing, ['c', 'b'])).to.deep.equal([9]);
  });
});
