// The client's cheap reads and batched cancels against the fake slurmrestd, on the newest version
// of each release it plays: GET /jobs/state by ids (repeated key, URLs under 8 KB), of every job,
// discovery above a floor, and concurrent cancels as one DELETE /jobs. Every answer the fake sent
// and every body it got is checked against the version's documents after each test.

import { expect } from 'chai';
import { staticJwtProvider } from '../../../lib/auth/static-jwt.js';
import { Secret } from '../../../lib/base/secret.js';
import { connectSlurm, type ConnectSlurmOptions } from '../../../lib/slurm/rest-client.js';
import { SlurmRequestError, type SlurmApi } from '../../../lib/slurm/slurm-api.js';
import { MAX_DISCOVERY_LOOKUPS } from '../../../lib/slurm/states-reader.js';
import { checkContract, FakeSlurmrestd } from '../../support/fake-slurmrestd.js';
import { servesStates, type NewerVersion } from '../../../streams/testing/slurm-bodies.js';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJzbHVybWpvYiJ9.c2lnbmF0dXJlLW9mLXRoZS1zdGF0ZXMtc3BlYw';
const USER = 'slurmjob';
const LABEL = 'sdp_slurm_deployer_rel_ns';
const T = 1_800_000_000;

const RELEASES: readonly { release: string; versions: NewerVersion[] }[] = [
  { release: '23.02', versions: ['v0.0.39'] },
  { release: '23.11', versions: ['v0.0.39', 'v0.0.40'] },
  { release: '24.05', versions: ['v0.0.39', 'v0.0.40', 'v0.0.41'] },
  { release: '24.11', versions: ['v0.0.40', 'v0.0.41', 'v0.0.42'] },
  { release: '25.05', versions: ['v0.0.40', 'v0.0.41', 'v0.0.42', 'v0.0.43'] },
  { release: '25.11', versions: ['v0.0.41', 'v0.0.42', 'v0.0.43', 'v0.0.44'] },
  { release: '26.05', versions: ['v0.0.42', 'v0.0.43', 'v0.0.44', 'v0.0.45'] },
];

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (error instanceof SlurmRequestError) return `${error.failure.kind}: ${error.message}`;
    throw error;
  }
}

describe('Slurm REST client: job states and batched cancels (fake slurmrestd per release)', () => {
  let fake: FakeSlurmrestd;
  let api: SlurmApi;

  const connect = (options: Partial<ConnectSlurmOptions> = {}) =>
    connectSlurm({ baseUrl: fake.url, credentials: staticJwtProvider(USER, new Secret(TOKEN)), jobLabel: LABEL, accounting: false, ...options });
  const lines = () => fake.requests.slice(1).map((r) => `${r.method} ${r.url}`);

  afterEach(async function () {
    await api?.close();
    const checked = checkContract(fake);
    if (this.currentTest?.state === 'passed') expect(checked).to.be.greaterThan(0);
    await fake.close();
  });

  for (const { release, versions } of RELEASES) {
    const version = versions.at(-1)!;
    const states = `/slurm/${version}/jobs/state/`;
    const jobs = `/slurm/${version}/jobs/`;

    describe(`Slurm ${release} (${version})`, () => {
      beforeEach(async () => {
        fake = await FakeSlurmrestd.start({ versions, userName: USER, token: TOKEN, clock: T });
      });

      if (!servesStates(version)) {
        it('has no GET /jobs/state: readsStates is false, readStates a permanent failure, cancels one DELETE each', async () => {
          api = await connect();
          expect(api.readsStates).to.equal(false);
          expect(await outcome(api.readStates({ jobIds: [1] }))).to.match(/^permanent: readStates: REST API v0.0.39 as used here has no GET \/jobs\/state/);
          const job = fake.addJob({ name: 'd1', mcsLabel: LABEL, state: ['RUNNING'] });
          await Promise.all([api.cancel(job.jobId), api.cancel(job.jobId)]);
          expect(lines()).to.deep.equal([`DELETE /slurm/v0.0.39/job/${job.jobId}`, `DELETE /slurm/v0.0.39/job/${job.jobId}`]);
          await api.listJobs(); // a versioned answer for the contract check
        });
        return;
      }

      it('reads states by ids with job_id repeated, an unknown id simply absent; 600 ids in two requests under 8 KB', async () => {
        api = await connect();
        expect(api.readsStates).to.equal(true);
        const a = fake.addJob({ name: 'a', mcsLabel: LABEL, state: ['RUNNING'] });
        const b = fake.addJob({ name: 'b', mcsLabel: LABEL, state: ['PENDING', 'REQUEUED'] });
        const reading = await api.readStates({ jobIds: [a.jobId, b.jobId, 4242] });
        expect(reading).to.deep.equal({
          states: [
            { jobId: a.jobId, state: { base: 'RUNNING', flags: [] } },
            { jobId: b.jobId, state: { base: 'PENDING', flags: ['REQUEUED'] } },
          ],
        });
        expect(lines()).to.deep.equal([`GET ${states}?job_id=${a.jobId}&job_id=${b.jobId}&job_id=4242`]);
        const many = Array.from({ length: 600 }, (_, i) => 1_000_000 + i);
        await api.readStates({ jobIds: many });
        const urls = fake.requests.slice(2).map((r) => r.url);
        expect(urls).to.have.length(2);
        for (const url of urls) expect(url.length).to.be.below(8000);
      });

      it('all: one request for every job, the states asked for, and the highest id', async () => {
        api = await connect();
        const ours = fake.addJob({ name: 'a', mcsLabel: LABEL, state: ['RUNNING'] });
        const theirs = fake.addJob({ name: 'x', mcsLabel: 'someone_else' });
        expect(await api.readStates({ jobIds: [ours.jobId], all: true })).to.deep.equal({ states: [{ jobId: ours.jobId, state: { base: 'RUNNING', flags: [] } }], maxJobId: theirs.jobId });
        expect(lines()).to.deep.equal([`GET ${states}`]);
      });

      it('discover: a labelled job above the floor is found by one lookup; the asked, the known, and the foreign (after once) are not looked up', async () => {
        api = await connect();
        const below = fake.addJob({ name: 'old', mcsLabel: LABEL });
        const asked = fake.addJob({ name: 'a', mcsLabel: LABEL });
        const known = fake.addJob({ name: 'k', mcsLabel: LABEL });
        const foreign = fake.addJob({ name: 'x', mcsLabel: 'someone_else' });
        const lost = fake.addJob({ name: 'lost', mcsLabel: LABEL, comment: 'sdp-slurm-deployer:deployment=d9;submit=r1' });
        const request = { jobIds: [asked.jobId], discover: { above: below.jobId, known: [known.jobId] } };
        const first = await api.readStates(request);
        expect(first.discovered).to.deep.equal([{ jobId: lost.jobId, name: 'lost', mcsLabel: LABEL, comment: lost.comment, state: { base: 'PENDING', flags: [] }, reason: 'None', submitTime: T }]);
        expect(first.maxJobId).to.equal(lost.jobId);
        expect(lines()).to.deep.equal([`GET ${states}`, `GET /slurm/${version}/job/${foreign.jobId}`, `GET /slurm/${version}/job/${lost.jobId}`]);
        const second = await api.readStates({ ...request, discover: { ...request.discover, known: [known.jobId, lost.jobId] } });
        expect(second.discovered).to.deep.equal([]);
        expect(lines().slice(3)).to.deep.equal([`GET ${states}`]);
      });

      it(`discover: more than ${MAX_DISCOVERY_LOOKUPS} unknown ids are read from one full list, which leaves listJobs' update_time alone`, async () => {
        api = await connect();
        fake.addJob({ name: 'mine', mcsLabel: LABEL, state: ['RUNNING'] });
        fake.clock = T + 100;
        await api.listJobs();
        const floor = fake.addJob({ name: 'floor', mcsLabel: 'someone_else' }).jobId;
        for (let i = 0; i < MAX_DISCOVERY_LOOKUPS; i++) fake.addJob({ name: `x${i}`, mcsLabel: 'someone_else' });
        const found = fake.addJob({ name: 'found', mcsLabel: LABEL });
        fake.clock = T + 200;
        const reading = await api.readStates({ jobIds: [], discover: { above: floor, known: [] } });
        expect(reading.discovered?.map((j) => j.jobId)).to.deep.equal([found.jobId]);
        expect(lines().slice(1)).to.deep.equal([`GET ${states}`, `GET ${jobs}`]);
        await api.listJobs();
        // v0.0.40/41 never send update_time (Slurm 24.11 refuses an epoch there).
        const conditional = version !== 'v0.0.40' && version !== 'v0.0.41';
        expect(lines().at(-1)).to.equal(conditional ? `GET ${jobs}?update_time=${T + 100}` : `GET ${jobs}`);
      });

      it('three cancels at once are one DELETE /jobs; each caller hears its own job: unknown permanent, ended success', async () => {
        api = await connect();
        const live = fake.addJob({ name: 'live', mcsLabel: LABEL, state: ['RUNNING'] });
        const ended = fake.addJob({ name: 'ended', mcsLabel: LABEL, state: ['COMPLETED'] });
        const outcomes = await Promise.all([live.jobId, ended.jobId, 4242].map((id) => outcome(api.cancel(id))));
        expect(outcomes.slice(0, 2)).to.deep.equal(['ok', 'ok']);
        expect(outcomes[2]).to.equal('permanent: cancel: HTTP 200: Invalid job id specified [Slurm error 2017, status]');
        expect(lines()).to.deep.equal([`DELETE ${jobs}`]);
        expect(JSON.parse(fake.requests[1]!.body)).to.deep.equal({ jobs: [String(live.jobId), String(ended.jobId), '4242'], signal: 'SIGKILL', flags: ['FULL_JOB'] });
        expect(fake.jobs.get(live.jobId)?.state).to.deep.equal(['CANCELLED']);
      });

      it('a failed bulk DELETE fails every caller as a single cancel would (HTTP 500: transient)', async () => {
        api = await connect();
        fake.interceptOnce({ method: 'DELETE', path: /\/jobs\/$/ }, { status: 500, body: { status: [], errors: [{ error_number: 1800, error: 'Unable to contact slurm controller (connect failure)' }], warnings: [] } });
        const outcomes = await Promise.all([1, 2].map((id) => outcome(api.cancel(id))));
        expect(outcomes).to.deep.equal(Array(2).fill('transient: cancel: HTTP 500: Unable to contact slurm controller (connect failure) [Slurm error 1800]: slurmctld is unreachable'));
      });

      it('a server that does not list GET /jobs/state nor DELETE /jobs (Slurm 23.11 before .5) is read by lists and cancelled one by one', async () => {
        const document = (await fetch(`${fake.url}/openapi/v3`, { headers: { 'X-SLURM-USER-NAME': USER, 'X-SLURM-USER-TOKEN': TOKEN } }).then((r) => r.json())) as { paths: Record<string, Record<string, unknown>> };
        delete document.paths[states];
        delete document.paths[jobs]?.['delete'];
        fake.interceptOnce({ method: 'GET', path: /^\/openapi\/v3$/ }, { status: 200, body: document });
        api = await connect();
        expect(api.readsStates).to.equal(false);
        const job = fake.addJob({ name: 'd1', mcsLabel: LABEL, state: ['RUNNING'] });
        await api.cancel(job.jobId);
        expect(lines().slice(1)).to.deep.equal([`DELETE /slurm/${version}/job/${job.jobId}`]);
      });
    });
  }
});
