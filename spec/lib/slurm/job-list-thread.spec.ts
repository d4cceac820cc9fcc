// Job lists read by the worker thread (job-list-thread.ts): the same reading as in the event loop,
// for every answer recorded from the real servers; the same failures in the same words through
// the client; a worker that hangs is given up on and replaced; a list streamed in chunks, faster
// than the worker reads it, is read whole, kept to its label.

import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { staticJwtProvider } from '../../../lib/auth/static-jwt.js';
import { Secret } from '../../../lib/base/secret.js';
import { adapterFor } from '../../../lib/slurm/adapters.js';
import type { SlurmApiVersion } from '../../../lib/slurm/api-versions.js';
import { openJobListStream, readJobListOffThread, type Labelled } from '../../../lib/slurm/job-list-thread.js';
import { createSlurmRestClient } from '../../../lib/slurm/rest-client.js';
import { SlurmRequestError } from '../../../lib/slurm/slurm-api.js';
import { FakeSlurmrestd } from '../../support/fake-slurmrestd.js';
import { LARGE_LIST_VERSION, largeListBody, serveLargeList } from '../../support/large-job-list.js';
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

  describe('a list streamed to the worker as it arrives', () => {
    const recordedJob = () => {
      const answer = JSON.parse(readFileSync(fixtureFile('recorded', 'slurm-26.05', 'v0.0.45', '06-jobs.json'), 'utf8')) as { body: { jobs: Record<string, unknown>[] } };
      return answer.body.jobs[0]!;
    };
    /** `count` jobs of the recorded record, every `every`-th with the label, as pretty-printed chunks of ~1 MB. */
    function* listChunks(count: number, every: number): Generator<Buffer> {
      const job = recordedJob();
      let pending = '{\n  "jobs": [\n';
      for (let i = 1; i <= count; i++) {
        pending += `${i > 1 ? ',\n' : ''}${JSON.stringify({ ...job, job_id: i, mcs_label: i % every === 0 ? LABEL : 'someone_else' }, null, 2)}`;
        if (pending.length > 1_000_000) {
          yield Buffer.from(pending);
          pending = '';
        }
      }
      yield Buffer.from(`${pending}\n  ],\n  "last_update": {"set": true, "infinite": false, "number": 1700000000},\n  "warnings": [],\n  "errors": []\n}`);
    }

    it('reads a list written faster than the worker reads it: the writer is asked to wait, and every labelled job comes', async () => {
      const stream = openJobListStream('v0.0.45', 'application/json', LABEL);
      let waits = 0;
      let bytes = 0;
      for (const chunk of listChunks(6_000, 100)) {
        bytes += chunk.byteLength;
        if (!stream.write(chunk)) {
          waits++;
          await stream.drained();
        }
      }
      const read = (await stream.end()) as Labelled;
      expect(bytes).to.be.greaterThan(40_000_000);
      expect(waits, 'the worker fell behind at least once').to.be.greaterThan(0);
      expect(read.listed).to.equal(6_000);
      expect(read.reading.kind === 'full' && read.reading.jobs.map((job) => job.jobId)).to.deep.equal(Array.from({ length: 60 }, (_, i) => (i + 1) * 100));
      expect(read.reading.kind === 'full' && read.reading.lastUpdate).to.equal(1_700_000_000);
    });

    it('a list given up half way is forgotten, and the next one read', async () => {
      const given = openJobListStream('v0.0.45', 'application/json', LABEL);
      given.write(listChunks(300, 10).next().value as Buffer);
      given.abort();
      let failure: unknown;
      await given.end().catch((error: unknown) => (failure = error));
      expect(String(failure)).to.contain('given up');
      const next = openJobListStream('v0.0.45', 'application/json', LABEL);
      for (const chunk of listChunks(300, 10)) next.write(chunk);
      expect(((await next.end()) as Labelled).listed).to.equal(300);
    });
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

  it('reads a list larger than any other answer may be (256 MB) through the client, holding its own jobs only', async function () {
    this.timeout(60_000);
    const server = await serveLargeList({ jobs: 26_000, every: 500, label: LABEL });
    const slurm = createSlurmRestClient({ baseUrl: server.url, credentials: staticJwtProvider(USER, new Secret(TOKEN)), version: LARGE_LIST_VERSION, jobLabel: LABEL });
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      const jobs = await slurm.listJobs();
      expect(server.bytes()).to.be.greaterThan(256 * 1024 * 1024);
      expect(jobs.map((job) => job.jobId)).to.deep.equal(Array.from({ length: 52 }, (_, i) => (i + 1) * 500));
      // Gathered whole, the body alone would be 280 MB more (and its text as much again).
      expect(peak - before, `RSS grew ${Math.round((peak - before) / 1e6)} MB`).to.be.lessThan(200 * 1024 * 1024);
    } finally {
      clearInterval(sampler);
      await slurm.close();
      await server.close();
    }
  });

  it('reads a list that comes faster than the worker splits it (the socket paused and resumed)', async function () {
    this.timeout(30_000);
    // From memory over loopback at GB/s: the worker (~350 MB/s) falls 16 MB behind many times.
    const body = Buffer.concat([...largeListBody({ jobs: 8_000, every: 250, label: LABEL })]);
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const slurm = createSlurmRestClient({ baseUrl: url, credentials: staticJwtProvider(USER, new Secret(TOKEN)), version: LARGE_LIST_VERSION, jobLabel: LABEL });
    try {
      expect(body.byteLength).to.be.greaterThan(80_000_000);
      expect((await slurm.listJobs()).map((job) => job.jobId)).to.deep.equal(Array.from({ length: 32 }, (_, i) => (i + 1) * 250));
    } finally {
      await slurm.close();
      server.closeAllConnections();
      server.close();
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
