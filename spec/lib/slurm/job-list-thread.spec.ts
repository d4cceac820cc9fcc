// Job lists read by the worker thread (job-list-thread.ts): the same reading as in the event loop,
// for every answer recorded from the real servers; the same failures in the same words through
// the client; a worker that hangs is given up on and replaced.

import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { staticJwtProvider } from '../../../lib/auth/static-jwt.js';
import { Secret } from '../../../lib/config/secret.js';
import { adapterFor } from '../../../lib/slurm/adapters.js';
import type { SlurmApiVersion } from '../../../lib/slurm/api-versions.js';
import { readJobListOffThread } from '../../../lib/slurm/job-list-thread.js';
import { createSlurmRestClient } from '../../../lib/slurm/rest-client.js';
import { SlurmRequestError } from '../../../lib/slurm/slurm-api.js';
import { FakeSlurmrestd } from '../../support/fake-slurmrestd.js';
import { fixtureFile } from '../../support/repo.js';

const USER = 'slurmjob';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJzbHVybWpvYiIsImV4cCI6OTk5OTk5OTk5OX0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
const LABEL = 'sdp_slurm_deployer_thread_ns';

interface Recorded {
  readonly status: number;
  readonly contentType?: string;
  readonly body: unknown;
}

const bytesOf = (body: unknown) => Buffer.from(JSON.stringify(body), 'utf8');

describe('job lists read by the worker thread', () => {
  const recorded = fixtureFile('recorded');
  for (const release of readdirSync(recorded).filter((name) => name.startsWith('slurm-'))) {
    for (const version of readdirSync(`${recorded}/${release}`).filter((name) => name.startsWith('v')) as SlurmApiVersion[]) {
      it(`reads ${release} ${version}'s recorded job lists as the event loop does`, async () => {
        let compared = 0;
        for (const file of ['06-jobs.json', '07-jobs-update_time-unchanged.json']) {
          const answer = JSON.parse(readFileSync(fixtureFile('recorded', release, version, file), 'utf8')) as Recorded;
          if (answer.status !== 200) continue; // v0.0.38's 304, 24.11's 422: never a list to read
          const inLoop = adapterFor(version).readJobList(answer.body);
          const offThread = await readJobListOffThread(version, bytesOf(answer.body), answer.contentType, undefined);
          expect(offThread).to.deep.equal({ reading: inLoop, listed: inLoop.kind === 'full' ? inLoop.jobs.length : 0 });
          compared++;
        }
        expect(compared, 'at least the full list').to.be.greaterThan(0);
      });
    }
  }

  it('hands the body over to the worker rather than copying it', async () => {
    const bytes = bytesOf({ jobs: [], last_update: { set: true, infinite: false, number: 1 } });
    const big = Buffer.alloc(64 * 1024, ' ');
    const body = Buffer.concat([bytes, big]); // a buffer of its own, as a whole answer is
    await readJobListOffThread('v0.0.42', body, 'application/json', undefined);
    expect(body.byteLength).to.equal(0);
  });

  it('gives up on a worker that does not answer in time, and reads the next list with a new one', async () => {
    // ~20 MB of JSON: its parse takes far longer than 1 ms.
    const huge = bytesOf({ jobs: Array.from({ length: 200_000 }, (_, i) => ({ job_id: i, name: 'x'.repeat(64) })) });
    let failure: unknown;
    await readJobListOffThread('v0.0.42', huge, 'application/json', undefined, 1).catch((error: unknown) => (failure = error));
    expect(String(failure)).to.contain('the job-list thread did not read the list within 1 ms');
    const next = await readJobListOffThread('v0.0.42', bytesOf({ jobs: [], last_update: { set: true, infinite: false, number: 5 } }), 'application/json', undefined);
    expect(next).to.deep.equal({ reading: { kind: 'full', jobs: [], lastUpdate: 5 }, listed: 0 });
  });

  it('on a version without server time, a list with none of its jobs but others\' is believed, not asked again', async () => {
    const fake = await FakeSlurmrestd.start({ versions: ['v0.0.39'], userName: USER, token: TOKEN, clock: 1_800_000_000 });
    const slurm = createSlurmRestClient({ baseUrl: fake.url, credentials: staticJwtProvider(USER, new Secret(TOKEN)), version: 'v0.0.39', jobLabel: LABEL, offThreadJobListBytes: 0 });
    try {
      const ours = fake.addJob({ name: 'd1', mcsLabel: LABEL });
      expect(await slurm.listJobs()).to.have.length(1);
      fake.ageOut(ours.jobId);
      fake.addJob({ name: 'x', mcsLabel: 'someone_else' });
      expect(await slurm.listJobs()).to.deep.equal([]);
      // "Every job gone at once" asks again without update_time; a list that still held jobs did not say that.
      expect(fake.requests.filter((r) => r.method === 'GET' && r.url.includes('/jobs'))).to.have.length(2);
    } finally {
      await slurm.close();
      await fake.close();
    }
  });

  describe('through the client', () => {
    let fake: FakeSlurmrestd;
    beforeEach(async () => {
      fake = await FakeSlurmrestd.start({ versions: ['v0.0.42'], userName: USER, token: TOKEN, clock: 1_800_000_000 });
      for (let i = 0; i < 120; i++) {
        fake.addJob({ name: `d${i}`, mcsLabel: i % 3 === 0 ? LABEL : 'someone_else', comment: `c${i}`, state: i % 2 === 0 ? ['RUNNING'] : ['COMPLETED'], ...(i % 2 === 0 ? {} : { exit: { status: i % 5, signal: 0 } }) });
      }
    });
    afterEach(() => fake.close());
    /** offThreadFrom 0: every list goes to the worker; Infinity: none does. */
    const client = (offThreadFrom: number, more: { jobLabel?: string; version?: 'v0.0.39' | 'v0.0.42' } = {}) =>
      createSlurmRestClient({ baseUrl: fake.url, credentials: staticJwtProvider(USER, new Secret(TOKEN)), version: 'v0.0.42', offThreadJobListBytes: offThreadFrom, ...more });
    const failureOf = async (from: number): Promise<string> => {
      const slurm = client(from);
      try {
        await slurm.listJobs();
      } catch (error) {
        if (error instanceof SlurmRequestError) return `${error.failure.kind}: ${error.failure.message}`;
        throw error;
      } finally {
        await slurm.close();
      }
      throw new Error('expected the list to fail');
    };

    it('lists the same jobs either way', async () => {
      const [offThread, inLoop] = [client(0), client(Number.POSITIVE_INFINITY)];
      try {
        const jobs = await offThread.listJobs();
        expect(jobs).to.have.length(120);
        expect(jobs).to.deep.equal(await inLoop.listJobs());
      } finally {
        await Promise.all([offThread.close(), inLoop.close()]);
      }
    });

    it('lists only the jobs of its label when given one, the same either way', async () => {
      const [offThread, inLoop] = [client(0, { jobLabel: LABEL }), client(Number.POSITIVE_INFINITY, { jobLabel: LABEL })];
      try {
        const jobs = await offThread.listJobs();
        expect(jobs).to.have.length(40);
        expect(jobs.every((job) => job.mcsLabel === LABEL)).to.equal(true);
        expect(jobs).to.deep.equal(await inLoop.listJobs());
      } finally {
        await Promise.all([offThread.close(), inLoop.close()]);
      }
    });

    for (const [what, body] of [
      ['a body that is not JSON', 'slurmrestd fell over'],
      ['a JSON body that is no job list', { jobs: 'none' }],
    ] as const) {
      it(`fails on ${what} in the same words either way, as transient`, async () => {
        fake.interceptOnce({ method: 'GET', path: /\/jobs/ }, { status: 200, body });
        const offThread = await failureOf(0);
        fake.interceptOnce({ method: 'GET', path: /\/jobs/ }, { status: 200, body });
        expect(offThread).to.match(/^transient: listJobs: /);
        expect(offThread).to.equal(await failureOf(Number.POSITIVE_INFINITY));
      });
    }
  });
});
