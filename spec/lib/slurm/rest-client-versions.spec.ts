// The client on every version from v0.0.39 to v0.0.45, against a fake slurmrestd that answers as
// the Slurm release serving it does. Every answer the fake sent, and every submit it got, is
// checked against the version's OpenAPI document after each test.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { expect } from 'chai';
import { staticJwtProvider } from '../../../lib/auth/static-jwt.js';
import { Secret } from '../../../lib/base/secret.js';
import type { JobSpec } from '../../../lib/core/slurm-job.js';
import { ForcedVersionNotServedError, NoCommonApiVersionError } from '../../../lib/slurm/negotiation.js';
import { connectSlurm, createSlurmRestClient, type ConnectSlurmOptions } from '../../../lib/slurm/rest-client.js';
import { SlurmRequestError, type SlurmApi } from '../../../lib/slurm/slurm-api.js';
import { checkContract, FakeSlurmrestd, type FakeSlurmrestdOptions } from '../../support/fake-slurmrestd.js';
import { fixtureFile } from '../../support/repo.js';
import { killStatus, type NewerVersion } from '../../../streams/testing/slurm-bodies.js';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJzbHVybWpvYiIsImV4cCI6OTk5OTk5OTk5OX0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
const REJECTED = 'eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJzbHVybWpvYiIsImV4cCI6MX0.cmVqZWN0ZWQtYnktc2x1cm1jdGxk';
const USER = 'slurmjob';
const LABEL = 'sdp_slurm_deployer_rel_ns';
const T = 1_800_000_000;

const spec: JobSpec = {
  name: 'd1',
  script: '#!/bin/bash\necho hi\n',
  environment: { PATH: '/usr/bin:/bin', GREETING: 'hello' },
  mcsLabel: LABEL,
  comment: 'sdp-slurm-deployer:deployment=d1;submit=r1',
  partition: 'debug',
  currentWorkingDirectory: '/tmp',
  timeLimitMinutes: 5,
};

/** Slurm releases as the fake plays them, and the version negotiation must pick from each. */
const RELEASES: readonly { release: string; versions: NewerVersion[]; picks: NewerVersion }[] = [
  { release: '23.02', versions: ['v0.0.39'], picks: 'v0.0.39' },
  { release: '23.11', versions: ['v0.0.39', 'v0.0.40'], picks: 'v0.0.40' },
  { release: '24.05', versions: ['v0.0.39', 'v0.0.40', 'v0.0.41'], picks: 'v0.0.41' },
  { release: '24.11', versions: ['v0.0.40', 'v0.0.41', 'v0.0.42'], picks: 'v0.0.42' },
  { release: '25.05', versions: ['v0.0.40', 'v0.0.41', 'v0.0.42', 'v0.0.43'], picks: 'v0.0.43' },
  { release: '25.11', versions: ['v0.0.41', 'v0.0.42', 'v0.0.43', 'v0.0.44'], picks: 'v0.0.44' },
  { release: '26.05', versions: ['v0.0.42', 'v0.0.43', 'v0.0.44', 'v0.0.45'], picks: 'v0.0.45' },
];

/**
 * The request's rejection, which must be a SlurmRequestError carrying neither token, in its
 * message or anywhere inside it. Checked where it is caught, so that whatever part of this file
 * runs (npm test splits it between two mocha processes by title: scripts/test.sh), each is.
 */
async function rejectionOf(promise: Promise<unknown>): Promise<SlurmRequestError> {
  try {
    await promise;
  } catch (error) {
    for (const token of [TOKEN, REJECTED]) {
      expect(String(error)).not.to.contain(token);
      expect(inspect(error, { depth: 10 })).not.to.contain(token);
    }
    if (error instanceof SlurmRequestError) return error;
    throw new Error(`expected a SlurmRequestError, got ${inspect(error)}`);
  }
  throw new Error('expected a rejection, the call succeeded');
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected a rejection');
}

describe('Slurm REST client on v0.0.39 to v0.0.45 (fake slurmrestd per release)', () => {
  let fake: FakeSlurmrestd | undefined;
  const clients: SlurmApi[] = [];
  /** The client's clock (ms); tests move it. */
  let clientNow = T * 1000;

  async function start(options: Partial<FakeSlurmrestdOptions> & Pick<FakeSlurmrestdOptions, 'versions'>): Promise<FakeSlurmrestd> {
    fake = await FakeSlurmrestd.start({ userName: USER, token: TOKEN, rejectedToken: REJECTED, clock: T, ...options });
    return fake;
  }

  async function connect(options: Partial<ConnectSlurmOptions> = {}, token = TOKEN): Promise<SlurmApi> {
    const api = await connectSlurm({ baseUrl: fake!.url, credentials: staticJwtProvider(USER, new Secret(token)), now: () => clientNow, ...options });
    clients.push(api);
    return api;
  }

  const requestLines = () => fake!.requests.map((r) => `${r.method} ${r.url}`);

  beforeEach(() => {
    clientNow = T * 1000;
  });

  afterEach(async function () {
    for (const api of clients.splice(0)) await api.close();
    if (fake !== undefined) {
      const checked = checkContract(fake);
      if (this.currentTest?.state === 'passed') expect(checked, 'bodies checked against the OpenAPI documents').to.be.greaterThan(0);
      await fake.close();
      fake = undefined;
    }
  });

  for (const { release, versions, picks } of RELEASES) {
    describe(`Slurm ${release} (${versions.join(', ')})`, () => {
      const slurm = (path: string) => `/slurm/${picks}${path}`;
      const jobsPath = slurm(picks === 'v0.0.39' ? '/jobs' : '/jobs/');

      it(`negotiates ${picks} from /openapi/v3, sent with the token`, async () => {
        await start({ versions });
        const api = await connect();
        expect(api.version).to.equal(picks);
        const [discover] = fake!.requests;
        expect(`${discover?.method} ${discover?.url}`).to.equal('GET /openapi/v3');
        expect(discover?.headers['x-slurm-user-name']).to.equal(USER);
        expect(discover?.headers['x-slurm-user-token']).to.equal(TOKEN);
        await api.listJobs(); // the contract check needs a versioned answer
      });

      it('submits the version-shaped body with the Slurm headers and JSON content type', async () => {
        await start({ versions });
        const api = await connect();
        const jobId = await api.submit(spec);
        expect(jobId).to.equal(101);
        const submit = fake!.requests.find((r) => r.method === 'POST');
        expect(submit?.url).to.equal(slurm('/job/submit'));
        expect(submit?.headers['content-type']).to.equal('application/json');
        expect(submit?.headers['x-slurm-user-token']).to.equal(TOKEN);
        expect(submit?.headers['authorization']).to.equal(undefined);
        const body = JSON.parse(submit?.body ?? '{}') as { job: Record<string, unknown> };
        expect(body.job).to.deep.include({ script: spec.script, environment: ['PATH=/usr/bin:/bin', 'GREETING=hello'], mcs_label: LABEL });
        expect(fake!.jobs.get(jobId)).to.include({ name: 'd1', mcsLabel: LABEL, comment: spec.comment });
      });

      it('lists with update_time after the first answer and returns the cached list when nothing changed', async () => {
        await start({ versions });
        fake!.addJob({ name: 'd1', mcsLabel: LABEL, state: ['RUNNING'], startTime: T });
        fake!.addJob({ name: 'other', mcsLabel: 'someone_else' });
        fake!.clock = T + 100;
        clientNow = (T + 100) * 1000;
        const api = await connect();

        const first = await api.listJobs();
        expect(first.map((j) => [j.jobId, j.state.base])).to.deep.equal([[101, 'RUNNING'], [102, 'PENDING']]);
        fake!.clock = T + 160;
        clientNow = (T + 160) * 1000;
        const second = await api.listJobs();
        expect(second).to.deep.equal(first);

        const lists = fake!.requests.filter((r) => r.url.startsWith(jobsPath));
        if (picks === 'v0.0.40' || picks === 'v0.0.41') {
          // Slurm 24.11 refuses an epoch update_time on these (422): every list is a full one.
          expect(lists.map((r) => r.url)).to.deep.equal([jobsPath, jobsPath]);
          return;
        }
        // v0.0.42+: the server's last_update of the first list; v0.0.39: our send time minus 30 s.
        const expectedUpdateTime = picks === 'v0.0.39' ? T + 100 - 30 : T + 100;
        expect(lists.map((r) => r.url)).to.deep.equal([jobsPath, `${jobsPath}?update_time=${expectedUpdateTime}`]);
        const noChange = fake!.answers.filter((a) => a.path === jobsPath)[1]?.body as { jobs: unknown[]; warnings: { description: string }[] };
        expect(noChange.jobs).to.deep.equal([]);
        expect(noChange.warnings[0]?.description).to.match(/^No job changes since update_time/);

        fake!.updateJob(101, { state: ['COMPLETED'], exit: { status: 0, signal: 0 }, endTime: T + 160 });
        fake!.clock = T + 220;
        clientNow = (T + 220) * 1000;
        const third = await api.listJobs();
        expect(third.find((j) => j.jobId === 101)?.state).to.deep.equal({ base: 'COMPLETED', flags: [] });
      });

      // v0.0.45 has only the document 26.05 served without slurmdbd, so no /slurmdb paths to fake.
      const accountingDescribed = picks !== 'v0.0.45';
      if (accountingDescribed)
      it('gets one job by id, and undefined for one neither slurmctld nor slurmdbd knows', async () => {
        await start({ versions });
        const job = fake!.addJob({ name: 'd1', mcsLabel: LABEL, state: ['RUNNING', 'COMPLETING'], startTime: T });
        const api = await connect();
        expect(await api.getJob(job.jobId)).to.deep.include({ jobId: job.jobId, name: 'd1', mcsLabel: LABEL });
        expect(await api.getJob(999)).to.equal(undefined);
        expect(requestLines().slice(1)).to.deep.equal([`GET ${slurm(`/job/${job.jobId}`)}`, `GET ${slurm('/job/999')}`, `GET /slurmdb/${picks}/job/999`]);
      });

      if (accountingDescribed)
      it('learns the final state of a job that aged out from /slurmdb (accounting)', async () => {
        await start({ versions });
        const job = fake!.addJob({ name: 'd1', mcsLabel: LABEL, comment: 'c1', state: ['RUNNING'], startTime: T });
        fake!.updateJob(job.jobId, { state: ['FAILED'], reason: 'NonZeroExitCode', exit: { status: 3, signal: 0 }, endTime: T + 9 });
        fake!.ageOut(job.jobId);
        const api = await connect();
        expect(await api.getJob(job.jobId)).to.deep.equal({
          jobId: job.jobId,
          name: 'd1',
          mcsLabel: LABEL,
          comment: 'c1',
          state: { base: 'FAILED', flags: [] },
          reason: 'NonZeroExitCode',
          exitCode: { status: 3, signal: 0 },
          submitTime: T,
          startTime: T,
          endTime: T + 9,
          source: 'accounting',
        });
        expect(api.readsAccounting).to.equal(true);
      });

      it('without slurmdbd (no /slurmdb paths listed) a job that aged out is simply unknown', async () => {
        await start({ versions, accounting: false });
        const job = fake!.addJob({ name: 'd1', mcsLabel: LABEL });
        fake!.ageOut(job.jobId);
        const api = await connect();
        expect(await api.getJob(job.jobId)).to.equal(undefined);
        expect(api.readsAccounting).to.equal(false);
        expect(requestLines().filter((l) => l.includes('/slurmdb/'))).to.deep.equal([]);
      });

      it('cancels a job; an unknown job is a permanent failure with Slurm\'s message', async () => {
        await start({ versions });
        const job = fake!.addJob({ name: 'd1', mcsLabel: LABEL, state: ['RUNNING'], startTime: T });
        const api = await connect();
        await api.cancel(job.jobId);
        expect(fake!.jobs.get(job.jobId)?.state).to.deep.equal(['CANCELLED']);
        await api.cancel(job.jobId); // already done: still a success
        const error = await rejectionOf(api.cancel(999));
        expect(error.failure.kind).to.equal('permanent');
        expect(error.message).to.contain('Invalid job id specified');
        expect(error.message).to.contain('[Slurm error 2017');
        // v0.0.40+ cancel through DELETE /jobs, whose status[] names the unknown job (HTTP 200);
        // v0.0.39 through DELETE job/{id}, a 404.
        const bulk = picks !== 'v0.0.39';
        expect(error.status).to.equal(bulk ? 200 : 404);
        const one = (id: number) => `DELETE ${bulk ? jobsPath : slurm(`/job/${id}`)}`;
        expect(requestLines().filter((l) => l.startsWith('DELETE'))).to.deep.equal([one(job.jobId), one(job.jobId), one(999)]);
        if (bulk) expect(fake!.requests.filter((r) => r.method === 'DELETE').map((r) => JSON.parse(r.body) as unknown)).to.deep.equal([job.jobId, job.jobId, 999].map((id) => ({ jobs: [String(id)], signal: 'SIGKILL', flags: ['FULL_JOB'] })));
      });

      it("keeps Slurm's message for a bad partition (permanent), and a script-less body is a 422 (permanent)", async () => {
        await start({ versions });
        const api = await connect();
        const partition = await rejectionOf(api.submit({ ...spec, partition: 'nowhere' }));
        expect(partition.failure).to.deep.equal({ kind: 'permanent', message: 'submit: HTTP 500: Invalid partition name specified [Slurm error 2000, slurm_submit_batch_job()]' });
        const script = await rejectionOf(api.submit({ ...spec, script: '' }));
        expect(script.failure.kind).to.equal('permanent');
        expect(script.status).to.equal(422);
      });

      it(`reads a token slurmctld rejects as auth (HTTP ${killStatus(picks) ? 511 : 500}), and missing credentials as auth (401)`, async () => {
        await start({ versions });
        const api = await connect();
        const rejected = createSlurmRestClient({ baseUrl: fake!.url, credentials: staticJwtProvider(USER, new Secret(REJECTED)), version: picks });
        clients.push(rejected);
        const error = await rejectionOf(rejected.listJobs());
        expect(error.failure.kind).to.equal('auth');
        expect(error.status).to.equal(killStatus(picks) ? 511 : 500);
        const wrongUser = createSlurmRestClient({ baseUrl: fake!.url, credentials: staticJwtProvider('nobody', new Secret(TOKEN)), version: picks });
        clients.push(wrongUser);
        const refused = await rejectionOf(wrongUser.submit(spec));
        expect(refused.failure).to.deep.equal({ kind: 'auth', message: 'submit: HTTP 401: Authentication failure: slurmrestd rejected the credentials' });
        await api.listJobs();
      });
    });
  }

  describe('update_time without a server time (v0.0.39): the margin', () => {
    async function missedChange(margin: number): Promise<boolean> {
      await start({ versions: ['v0.0.39'] });
      const job = fake!.addJob({ name: 'd1', mcsLabel: LABEL, state: ['RUNNING'], startTime: T });
      // Our clock runs 20 s ahead of slurmctld's.
      fake!.clock = T + 100;
      clientNow = (T + 120) * 1000;
      const api = await connect({ updateTimeMarginSeconds: margin });
      await api.listJobs();
      fake!.clock = T + 101;
      fake!.updateJob(job.jobId, { state: ['COMPLETED'], exit: { status: 0, signal: 0 }, endTime: T + 101 });
      fake!.clock = T + 160;
      clientNow = (T + 180) * 1000;
      const seen = (await api.listJobs()).find((j) => j.jobId === job.jobId);
      return seen?.state.base !== 'COMPLETED';
    }

    it('the default 30 s margin sees a change despite a clock 20 s ahead of slurmctld', async () => {
      expect(await missedChange(30)).to.equal(false);
    });

    it('with no margin the same change would be missed: the margin is what protects it', async () => {
      expect(await missedChange(0)).to.equal(true);
    });
  });

  it("v0.0.40+: the server's last_update is used as is, so the client's clock does not matter", async () => {
    await start({ versions: ['v0.0.42'] });
    const job = fake!.addJob({ name: 'd1', mcsLabel: LABEL, state: ['RUNNING'], startTime: T });
    fake!.clock = T + 100;
    clientNow = (T + 86_400) * 1000; // a day ahead
    const api = await connect();
    await api.listJobs();
    fake!.clock = T + 100; // the change happens in the same second as the list: slurmctld's "- 1" catches it
    fake!.updateJob(job.jobId, { state: ['COMPLETED'], exit: { status: 0, signal: 0 }, endTime: T + 100 });
    fake!.clock = T + 160;
    expect((await api.listJobs())[0]?.state.base).to.equal('COMPLETED');
    expect(fake!.requests.at(-1)?.url).to.equal(`/slurm/v0.0.42/jobs/?update_time=${T + 100}`);
  });

  it('an empty list in answer to update_time, with nothing to vouch for it, is checked by asking again without', async () => {
    await start({ versions: ['v0.0.39'] });
    fake!.addJob({ name: 'd1', mcsLabel: LABEL, state: ['RUNNING'], startTime: T });
    const api = await connect();
    expect(await api.listJobs()).to.have.length(1);
    // A "no change" answer whose warning we would not recognise.
    fake!.interceptOnce({ method: 'GET', path: /update_time=/ }, { status: 200, body: { meta: { plugin: { type: 'openapi/v0.0.39', name: 'x' } }, errors: [], warnings: [{ description: 'Nothing new', source: 'x' }], jobs: [] } });
    expect((await api.listJobs()).map((j) => j.name)).to.deep.equal(['d1']);
    const lists = fake!.requests.filter((r) => r.url.startsWith('/slurm/v0.0.39/jobs'));
    expect(lists.map((r) => r.url.replace(/=\d+$/, '=N'))).to.deep.equal(['/slurm/v0.0.39/jobs', '/slurm/v0.0.39/jobs?update_time=N', '/slurm/v0.0.39/jobs']);
  });

  it('a "no change" answer to a request without update_time is a transient failure, not an empty list', async () => {
    await start({ versions: ['v0.0.42'] });
    fake!.interceptOnce({ method: 'GET', path: /jobs/ }, { status: 200, body: { jobs: [], last_backfill: { set: false, infinite: false, number: 0 }, last_update: { set: false, infinite: false, number: 0 }, errors: [], warnings: [{ description: 'No job changes since update_time[0]=x', source: '_op_handler_jobs' }] } });
    const api = await connect();
    const error = await rejectionOf(api.listJobs());
    expect(error.failure).to.deep.equal({ kind: 'transient', message: 'listJobs: HTTP 200: "no job changes" to a request without update_time' });
  });

  describe('negotiation and its options', () => {
    it('a forced version (SDP_SLURMDEPLOY_API_VERSION) is checked in /openapi/v3 and keeps accounting where the server lists it', async () => {
      await start({ versions: ['v0.0.40', 'v0.0.41', 'v0.0.42'] });
      const job = fake!.addJob({ name: 'd1', mcsLabel: LABEL, state: ['COMPLETED'], exit: { status: 0, signal: 0 }, endTime: T + 5 });
      fake!.ageOut(job.jobId);
      const api = await connect({ version: 'v0.0.41' });
      expect(api.version).to.equal('v0.0.41');
      expect(api.readsAccounting).to.equal(true);
      expect(await api.getJob(job.jobId)).to.deep.include({ jobId: job.jobId, state: { base: 'COMPLETED', flags: [] }, exitCode: { status: 0, signal: 0 }, source: 'accounting' });
      expect(requestLines()).to.deep.equal(['GET /openapi/v3', `GET /slurm/v0.0.41/job/${job.jobId}`, `GET /slurmdb/v0.0.41/job/${job.jobId}`]);
      // Told not to, it asks slurmctld alone.
      const without = await connect({ version: 'v0.0.41', accounting: false });
      expect(without.readsAccounting).to.equal(false);
      expect(await without.getJob(job.jobId)).to.equal(undefined);
      expect(requestLines().slice(3)).to.deep.equal(['GET /openapi/v3', `GET /slurm/v0.0.41/job/${job.jobId}`]);
    });

    it('a forced version on a server without slurmdbd uses no accounting, even when told to', async () => {
      await start({ versions: ['v0.0.42'], accounting: false });
      const job = fake!.addJob({ name: 'd1', mcsLabel: LABEL });
      fake!.ageOut(job.jobId);
      const api = await connect({ version: 'v0.0.42', accounting: true });
      expect(api.readsAccounting).to.equal(false);
      expect(await api.getJob(job.jobId)).to.equal(undefined);
      expect(requestLines()).to.deep.equal(['GET /openapi/v3', `GET /slurm/v0.0.42/job/${job.jobId}`]);
    });

    it('refuses a forced version the server does not serve, naming the ones it does (a plain Error: exit 2 at start)', async () => {
      await start({ versions: ['v0.0.40', 'v0.0.41', 'v0.0.42'] });
      const error = await failureOf(connect({ version: 'v0.0.39' }));
      expect(error).to.be.instanceOf(ForcedVersionNotServedError);
      expect(error).not.to.be.instanceOf(SlurmRequestError);
      expect(error.message).to.equal(
        `slurmrestd at ${fake!.url} does not serve REST API v0.0.39: its /openapi/v3 lists the job paths of v0.0.40, v0.0.41, v0.0.42; force one of those, or leave the version unset to negotiate one`,
      );
      expect(requestLines()).to.deep.equal(['GET /openapi/v3']);
      await connect({ version: 'v0.0.40' }).then((api) => api.listJobs());
    });

    it('a forced version whose /openapi/v3 cannot be read fails classified, as a negotiated one does (the deployer waits and tries again)', async () => {
      await start({ versions: ['v0.0.42'] });
      fake!.interceptOnce({ path: /^\/openapi\/v3/ }, { status: 503, body: 'Service Unavailable' });
      const unavailable = await rejectionOf(connect({ version: 'v0.0.42' }));
      expect(unavailable.failure.kind).to.equal('transient');
      expect(unavailable.message).to.match(/^discover: HTTP 503/);
      expect((await rejectionOf(connect({ version: 'v0.0.42' }, 'not-the-token-at-all'))).failure.kind).to.equal('auth');
      await connect({ version: 'v0.0.42' }).then((api) => api.listJobs());
    });

    it('a job of another label under the id of ours (the id reused) is looked for in accounting, where ours is preferred', async () => {
      await start({ versions: ['v0.0.42'] });
      const ours = fake!.addJob({ name: 'd1', mcsLabel: LABEL, state: ['FAILED'], exit: { status: 3, signal: 0 }, endTime: T + 5 });
      fake!.ageOut(ours.jobId);
      fake!.clock = T + 100;
      // slurmctld reset: the same id again, another user's job.
      fake!.addJob({ jobId: ours.jobId, name: 'theirs', mcsLabel: 'someone_else', state: ['RUNNING'], startTime: T + 100 });
      const labelled = await connect({ jobLabel: LABEL });
      expect(await labelled.getJob(ours.jobId)).to.deep.include({ name: 'd1', mcsLabel: LABEL, state: { base: 'FAILED', flags: [] }, source: 'accounting' });
      // Without a label to prefer, slurmctld's job stands.
      const unlabelled = await connect();
      expect(await unlabelled.getJob(ours.jobId)).to.deep.include({ name: 'theirs', mcsLabel: 'someone_else' });
    });

    it('accounting: false turns the /slurmdb lookups off even where the server has them', async () => {
      await start({ versions: ['v0.0.44'] });
      const api = await connect({ accounting: false });
      expect(await api.getJob(5)).to.equal(undefined);
      expect(requestLines()).to.deep.equal(['GET /openapi/v3', 'GET /slurm/v0.0.44/job/5']);
    });

    it('refuses a forced version this deployer does not speak, naming the ones it does', async () => {
      await start({ versions: ['v0.0.42'] });
      const error = await failureOf(connect({ version: 'v0.0.37' }));
      expect(error.message).to.equal('Slurm REST API version v0.0.37 is not one this deployer speaks (v0.0.38, v0.0.39, v0.0.40, v0.0.41, v0.0.42, v0.0.43, v0.0.44, v0.0.45)');
      expect(fake!.requests).to.have.length(0);
      await connect().then((api) => api.listJobs());
    });

    it('Bearer where the server declares it: Authorization instead of X-SLURM-USER-TOKEN, never both', async () => {
      await start({ versions: ['v0.0.43'] });
      const api = await connect({ authScheme: 'bearer' });
      await api.listJobs();
      for (const request of fake!.requests) {
        expect(request.headers['authorization']).to.equal(`Bearer ${TOKEN}`);
        expect(request.headers['x-slurm-user-token']).to.equal(undefined);
        expect(request.headers['x-slurm-user-name']).to.equal(USER);
      }
    });

    it('refuses Bearer with a server that does not declare it, and with v0.0.38', async () => {
      await start({ versions: ['v0.0.42'], bearer: false });
      // A server without Bearer support refuses the header itself...
      expect((await rejectionOf(connect({ authScheme: 'bearer' }))).failure.kind).to.equal('auth');
      // ...and one that lets it through but does not declare it (22.05's document) is refused by us.
      const recorded = JSON.parse(readFileSync(fixtureFile('slurm-22.05', 'openapi_v3.json'), 'utf8')) as unknown;
      fake!.interceptOnce({ path: /^\/openapi\/v3/ }, { status: 200, body: recorded });
      const error = await failureOf(connect({ authScheme: 'bearer' }));
      expect(error.message).to.equal(`slurmrestd at ${fake!.url} does not declare Bearer authentication in /openapi/v3: use X-SLURM-USER-TOKEN`);
      expect(() => createSlurmRestClient({ baseUrl: fake!.url, credentials: staticJwtProvider(USER, new Secret(TOKEN)), version: 'v0.0.38', authScheme: 'bearer' })).to.throw(
        'Bearer authentication needs REST API v0.0.39 or later',
      );
      await connect().then((api) => api.listJobs());
    });

    it('an unreadable /openapi/v3 is a classified failure: 401 is auth, a refused connection transient', async () => {
      await start({ versions: ['v0.0.42'] });
      const auth = await rejectionOf(connect({}, 'not-the-token-at-all'));
      expect(auth.failure.kind).to.equal('auth');
      expect(auth.message).to.match(/^discover: HTTP 401: Authentication failure/);
      const closed = await FakeSlurmrestd.start({ versions: ['v0.0.42'], userName: USER, token: TOKEN });
      const url = closed.url;
      await closed.close();
      const refused = await rejectionOf(connectSlurm({ baseUrl: url, credentials: staticJwtProvider(USER, new Secret(TOKEN)) }));
      expect(refused.failure.kind).to.equal('transient');
      expect(refused.message).to.match(/^discover: slurmrestd unreachable \(ECONNREFUSED/);
      await connect().then((api) => api.listJobs());
    });
  });

  describe('no version in common', () => {
    let server: http.Server | undefined;

    afterEach(async () => {
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
      server = undefined;
    });

    it('fails at start with both sides named when the server offers only v0.0.36 and v0.0.37', async () => {
      const doc = JSON.parse(readFileSync(fixtureFile('slurm-22.05', 'openapi_v3.json'), 'utf8')) as { paths: Record<string, unknown> };
      for (const path of Object.keys(doc.paths)) if (path.includes('/v0.0.38/')) delete doc.paths[path];
      server = http.createServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(doc));
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const error = await failureOf(connectSlurm({ baseUrl: url, credentials: staticJwtProvider(USER, new Secret(TOKEN)) }));
      expect(error).to.be.instanceOf(NoCommonApiVersionError);
      expect(error.message).to.equal(
        `no Slurm REST API version in common: slurmrestd at ${url} offers v0.0.36, v0.0.37; this deployer speaks v0.0.38, v0.0.39, v0.0.40, v0.0.41, v0.0.42, v0.0.43, v0.0.44, v0.0.45`,
      );
    });
  });
});

