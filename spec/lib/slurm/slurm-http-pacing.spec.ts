// slurm-http against a local server that answers when the spec says: every request goes through
// the pacer (its limit seen from the server's side, polls past it, late answers learnt from),
// each operation waits for its headers as long as its own timeout, queries repeat keys, and no
// request but the API's discovery is written while the replica does not lead.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { staticJwtProvider } from '../../../lib/auth/static-jwt.js';
import { Secret } from '../../../lib/base/secret.js';
import { SlurmRequestError } from '../../../lib/slurm/slurm-api.js';
import { createSlurmHttp, type SlurmHttpOptions } from '../../../lib/slurm/slurm-http.js';
import { createSlurmRestClient } from '../../../lib/slurm/rest-client.js';
import { retryOnceWithFreshToken } from '../../../lib/slurm/auth-retry.js';
import type { JobSpec } from '../../../lib/core/slurm-job.js';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJzbHVybWpvYiIsImV4cCI6OTk5OTk5OTk5OX0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';

/** A server that holds every request until the spec answers it; it counts those it holds at once. */
async function holdingServer() {
  const held: { method: string; url: string; answer: (status?: number, body?: unknown) => void }[] = [];
  let open = 0;
  let most = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      most = Math.max(most, ++open);
      held.push({
        method: req.method ?? '',
        url: req.url ?? '',
        answer: (status = 200, body: unknown = { errors: [] }) => {
          open--;
          res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
        },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    /** Answers the request held at `index` (in arrival order). */
    answer: (index: number, status?: number, body?: unknown) => held[index]!.answer(status, body),
    get mostAtOnce() {
      return most;
    },
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const client = (url: string, more: Partial<SlurmHttpOptions> = {}) => createSlurmHttp({ baseUrl: url, credentials: staticJwtProvider('slurmjob', new Secret(TOKEN)), ...more });
const until = async (what: () => boolean) => {
  for (let i = 0; i < 200 && !what(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(what()).to.equal(true);
};

describe('slurm-http paces its requests', () => {
  let server: Awaited<ReturnType<typeof holdingServer>>;
  beforeEach(async () => (server = await holdingServer()));
  afterEach(() => server.close());

  it('sends 8 requests other than polls at once, a poll beside them, and the rest as answers come', async () => {
    const http = client(server.url);
    try {
      const submits = Array.from({ length: 12 }, () => http.call('submit', 'POST', '/slurm/v0.0.42/job/submit', { body: {} }));
      await until(() => server.held.length === 8);
      const poll = http.call('listJobs', 'GET', '/slurm/v0.0.42/jobs/');
      await until(() => server.held.length === 9);
      expect(server.held[8]!.method).to.equal('GET');
      expect(http.pacing()).to.include({ inFlight: 8, queued: 4, limit: 8 });
      server.answer(8, 200, { jobs: [] });
      await poll;
      for (let i = 0; i < 8; i++) server.answer(i);
      await until(() => server.held.length === 13);
      for (let i = 9; i < 13; i++) server.answer(i);
      await Promise.all(submits);
      expect(server.mostAtOnce).to.equal(9);
    } finally {
      await http.close();
    }
  });

  it('halves the limit when an answer to a small request comes late, and reports it throttled', async () => {
    const http = client(server.url, { pacing: { lateMs: 100 } });
    try {
      const late = http.call('cancel', 'DELETE', '/slurm/v0.0.42/job/5');
      await until(() => server.held.length === 1);
      await new Promise((resolve) => setTimeout(resolve, 150));
      server.answer(0);
      await late;
      expect(http.pacing()).to.deep.equal({ throttled: true, limit: 4, inFlight: 0, queued: 0, throttledAnswers: 1 });
    } finally {
      await http.close();
    }
  });

  it('learns nothing from the time of a full list, of a state poll of every job, or of a 5xx', async () => {
    const http = client(server.url, { pacing: { lateMs: 50 } });
    try {
      const calls = [
        http.call('listJobs', 'GET', '/slurm/v0.0.42/jobs/'),
        http.call('readStates', 'GET', '/slurm/v0.0.42/jobs/state/'),
        http.call('getJob', 'GET', '/slurm/v0.0.42/job/5'),
      ];
      await until(() => server.held.length === 3);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const at = (end: string) => server.held.findIndex((h) => h.url.endsWith(end));
      server.answer(at('/jobs/'), 200, { jobs: [] });
      server.answer(at('/jobs/state/'), 200, { jobs: [] });
      server.answer(at('/job/5'), 500, { errors: [{ error_number: 1800 }] });
      await Promise.all(calls);
      expect(http.pacing()).to.include({ throttled: false, throttledAnswers: 0 });
    } finally {
      await http.close();
    }
  });

  it('sends a state poll by id with its ids as repeated keys, and learns from its time, ids in the path too', async () => {
    const http = client(server.url, { pacing: { lateMs: 50, throttledStatesSpacingMs: 0 } });
    try {
      const poll = http.call('readStates', 'GET', '/slurm/v0.0.42/jobs/state/', { query: { job_id: ['12', '13'] } });
      await until(() => server.held.length === 1);
      expect(server.held[0]!.url).to.equal('/slurm/v0.0.42/jobs/state/?job_id=12&job_id=13');
      await new Promise((resolve) => setTimeout(resolve, 100));
      server.answer(0, 200, { jobs: [] });
      await poll;
      expect(http.pacing()).to.include({ throttled: true, throttledAnswers: 1 });
      // The ids written into the path (lib/slurm/states-request.ts) count the same.
      const inPath = http.call('readStates', 'GET', '/slurm/v0.0.42/jobs/state/?job_id=14');
      await until(() => server.held.length === 2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      server.answer(1, 200, { jobs: [] });
      await inPath;
      expect(http.pacing().throttledAnswers).to.equal(2);
    } finally {
      await http.close();
    }
  });

  it('a request given up while it waits for its turn is never sent, and fails as transient "not sent"', async () => {
    const http = client(server.url, { pacing: { initialLimit: 1 } });
    try {
      const first = http.call('submit', 'POST', '/slurm/v0.0.42/job/submit', { body: {} });
      const controller = new AbortController();
      const second = http.call('submit', 'POST', '/slurm/v0.0.42/job/submit', { body: {}, signal: controller.signal }).then(() => undefined, (e: unknown) => e);
      await until(() => server.held.length === 1);
      controller.abort(new Error('the command timed out'));
      const error = await second;
      expect(error).to.be.instanceOf(SlurmRequestError);
      expect((error as SlurmRequestError).failure).to.deep.equal({ kind: 'transient', message: 'submit: not sent: given up while waiting for its turn (the command timed out)' });
      server.answer(0);
      await first;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(server.held).to.have.length(1);
    } finally {
      await http.close();
    }
  });
});

const SPEC: JobSpec = { name: 'd1', script: '#!/bin/bash\ntrue\n', environment: {}, mcsLabel: 'sdp_slurm_deployer_sdp_dp', comment: '' };

describe('slurm-http writes a request only while this replica leads', () => {
  let server: Awaited<ReturnType<typeof holdingServer>>;
  beforeEach(async () => (server = await holdingServer()));
  afterEach(() => server.close());
  const notSent = (promise: Promise<unknown>) => promise.then(() => expect.fail('sent'), (e: unknown) => e as SlurmRequestError);

  it('asks before every request, and sends none but the reading of /openapi/v3 once it may not: transient, "not sent"', async () => {
    let asked = 0;
    let leads = true;
    const http = client(server.url, { leading: () => (asked++, leads) });
    try {
      const sent = http.call('cancel', 'DELETE', '/slurm/v0.0.42/job/5');
      await until(() => server.held.length === 1);
      server.answer(0);
      await sent;
      expect(asked).to.equal(1);
      leads = false;
      for (const [operation, method, path] of [['submit', 'POST', '/slurm/v0.0.42/job/submit'], ['listJobs', 'GET', '/slurm/v0.0.42/jobs/'], ['readStates', 'GET', '/slurm/v0.0.42/jobs/state'], ['getJob', 'GET', '/slurm/v0.0.42/job/5'], ['cancel', 'DELETE', '/slurm/v0.0.42/job/5']] as const) {
        const error = await notSent(http.call(operation, method, path));
        expect(error.failure, operation).to.deep.equal({ kind: 'transient', message: `${operation}: not sent: this replica does not lead` });
      }
      const discovery = http.call('discover', 'GET', '/openapi/v3');
      await until(() => server.held.length === 2);
      server.answer(1, 200, { paths: {} });
      await discovery;
      expect(server.held.map((h) => h.url)).to.deep.equal(['/slurm/v0.0.42/job/5', '/openapi/v3']);
      expect(http.pacing()).to.include({ inFlight: 0, queued: 0 });
    } finally {
      await http.close();
    }
  });

  it('never sends a submit that waited behind the limit while the lease lapsed', async () => {
    let leads = true;
    const http = client(server.url, { pacing: { initialLimit: 1, maxLimit: 1 }, leading: () => leads });
    try {
      const first = http.call('submit', 'POST', '/slurm/v0.0.42/job/submit', { body: {} });
      const queued = notSent(http.call('submit', 'POST', '/slurm/v0.0.42/job/submit', { body: {} }));
      await until(() => server.held.length === 1);
      expect(http.pacing()).to.include({ inFlight: 1, queued: 1 });
      leads = false; // the lease lapsed while slurmrestd held the first submit
      server.answer(0, 200, { job_id: 7 });
      expect((await first).status).to.equal(200);
      expect((await queued).failure).to.deep.equal({ kind: 'transient', message: 'submit: not sent: this replica does not lead' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(server.held).to.have.length(1);
    } finally {
      await http.close();
    }
  });

  it('asks again for the submit the token retry makes with a fresh token (the lease may lapse during the refresh)', async () => {
    let leads = true;
    const tokens = {
      current: () => new Secret(TOKEN),
      renewAfterRejection: async () => {
        leads = false;
        return true;
      },
    };
    const api = retryOnceWithFreshToken(createSlurmRestClient({ baseUrl: server.url, version: 'v0.0.42', credentials: staticJwtProvider('slurmjob', new Secret(TOKEN)), leading: () => leads }), tokens);
    try {
      const submit = notSent(api.submit(SPEC));
      await until(() => server.held.length === 1);
      server.answer(0, 401, { errors: [{ error: 'token rejected' }] });
      expect((await submit).failure.kind).to.equal('transient');
      expect(server.held).to.have.length(1);
    } finally {
      await api.close();
    }
  });
});

describe('slurm-http waits for headers as long as the operation may take', () => {
  let server: Awaited<ReturnType<typeof holdingServer>>;
  beforeEach(async () => (server = await holdingServer()));
  afterEach(() => server.close());

  it('a submit and a full list wait past the timeout of the other calls; a lookup does not', async () => {
    const http = client(server.url, { timeouts: { headersMs: 150, submitHeadersMs: 5_000, listHeadersMs: 5_000 } });
    try {
      const submit = http.call('submit', 'POST', '/slurm/v0.0.42/job/submit', { body: {} });
      const list = http.call('listJobs', 'GET', '/slurm/v0.0.42/jobs/');
      const lookup = http.call('getJob', 'GET', '/slurm/v0.0.42/job/5').then(() => undefined, (e: unknown) => e);
      await until(() => server.held.length === 3);
      const failure = (await lookup) as SlurmRequestError;
      expect(failure.failure.kind).to.equal('transient');
      expect(failure.message).to.contain('UND_ERR_HEADERS_TIMEOUT');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const submitAt = server.held.findIndex((h) => h.method === 'POST');
      const listAt = server.held.findIndex((h) => h.url.endsWith('/jobs/'));
      server.answer(submitAt, 200, { job_id: 7 });
      server.answer(listAt, 200, { jobs: [] });
      expect((await submit).status).to.equal(200);
      expect((await list).status).to.equal(200);
    } finally {
      await http.close();
    }
  });

  it('a submit whose answer never comes within its own timeout has an unknown outcome', async () => {
    const http = client(server.url, { timeouts: { submitHeadersMs: 150 } });
    try {
      const error = (await http.call('submit', 'POST', '/slurm/v0.0.42/job/submit', { body: {} }).then(() => undefined, (e: unknown) => e)) as SlurmRequestError;
      expect(error.failure.kind).to.equal('unknown-outcome');
      expect(error.message).to.contain('UND_ERR_HEADERS_TIMEOUT');
      expect(http.pacing().inFlight).to.equal(0);
    } finally {
      await http.close();
    }
  });
});
