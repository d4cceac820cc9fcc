// The cached job list and the update_time that goes with it.

import { expect } from 'chai';
import type { SlurmJob } from '../../../lib/core/slurm-job.js';
import { DEFAULT_UPDATE_TIME_MARGIN_SECONDS, JobListCache } from '../../../lib/slurm/job-list-cache.js';

const job = (jobId: number): SlurmJob => ({ jobId, name: `j${jobId}`, mcsLabel: 'l', comment: '', state: { base: 'RUNNING', flags: [] }, reason: 'None' });
const at = (seconds: number) => seconds * 1000 + 400;

describe('JobListCache', () => {
  it('asks unconditionally until a full list came', () => {
    const cache = new JobListCache();
    expect(cache.updateTime).to.equal(undefined);
    expect(cache.jobs).to.equal(undefined);
  });

  it("uses the server's last_update as it is when the version gives one", () => {
    const cache = new JobListCache();
    cache.storeFull([job(1)], at(1_800_000_050), 1_800_000_000);
    expect(cache.updateTime).to.equal(1_800_000_000);
  });

  it('otherwise the time the request was sent, minus the margin (default 30 s)', () => {
    expect(DEFAULT_UPDATE_TIME_MARGIN_SECONDS).to.equal(30);
    const cache = new JobListCache();
    cache.storeFull([job(1)], at(1_800_000_050));
    expect(cache.updateTime).to.equal(1_800_000_020);
    const tight = new JobListCache(0);
    tight.storeFull([job(1)], at(1_800_000_050));
    expect(tight.updateTime).to.equal(1_800_000_050);
  });

  it('holds a frozen copy of the last full list, handed out as the same array until a new list comes', () => {
    const cache = new JobListCache();
    const jobs = [job(1), job(2)];
    const handed = cache.storeFull(jobs, at(1_800_000_000));
    jobs.pop();
    expect(cache.jobs).to.equal(handed);
    expect(Object.isFrozen(handed)).to.equal(true);
    expect(() => (handed as typeof jobs).pop()).to.throw(TypeError);
    expect(cache.jobs?.map((j) => j.jobId)).to.deep.equal([1, 2]);
    const older = [job(3)];
    expect(cache.storeFull(older, at(1_799_999_000)), 'a late answer to an earlier request').to.equal(older);
    expect(cache.jobs).to.equal(handed);
  });

  it('keeps an empty full list as empty (it is a real answer)', () => {
    const cache = new JobListCache();
    cache.storeFull([], at(1_800_000_000), 1_800_000_000);
    expect(cache.jobs).to.deep.equal([]);
    expect(cache.updateTime).to.equal(1_800_000_000);
  });

  it('never lets the late answer of an older request replace a newer list', () => {
    const cache = new JobListCache();
    cache.storeFull([job(2)], at(1_800_000_100), 1_800_000_100);
    cache.storeFull([job(1)], at(1_800_000_050), 1_800_000_050);
    expect(cache.jobs?.map((j) => j.jobId)).to.deep.equal([2]);
    expect(cache.updateTime).to.equal(1_800_000_100);
  });

  it('never asks conditionally with a time at or before the epoch, and refuses a negative margin', () => {
    const cache = new JobListCache(30);
    cache.storeFull([job(1)], at(10));
    expect(cache.updateTime).to.equal(undefined);
    expect(() => new JobListCache(-1)).to.throw(RangeError);
  });
});
