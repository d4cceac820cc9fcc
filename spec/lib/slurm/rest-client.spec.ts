// The undici client against a local HTTP server that answers with the bodies and statuses a
// real slurmrestd 22.05 sent, and that misbehaves on purpose (silence, reset, refusal).

import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { expect } from 'chai';
import { staticJwtProvider } from '../../../lib/auth/static-jwt.js';
import type { JobSpec } from '../../../lib/core/slurm-job.js';
import { Secret } from '../../../lib/base/secret.js';
import { connectSlurm, createSlurmRestClient, type SlurmRestClientOptions } from '../../../lib/slurm/rest-client.js';
import { SlurmRequestError, type SlurmApi } from '../../../lib/slurm/slurm-api.js';
import { renderSubmitV0038 } from '../../../lib/slurm/job-desc.js';
import { fixtureFile } from '../../support/repo.js';
import { slurmContract } from '../../support/slurm-contract.js';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJzbHVybWpvYiIsImV4cCI6OTk5OTk5OTk5OX0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
const USER = 'slurmjob';

const spec: JobSpec = {
  name: 'd1',
  script: '#!/bin/bash\necho hi\n',
  environment: { GREETING: 'hello' },
  mcsLabel: 'sdp_slurm_deployer_rel_ns',
  comment: 'sdp-slurm-deployer:deployment=d1;submit=r1',
  partition: 'debug',
};

function sample(name: string): string {
  return readFileSync(fixtureFile('slurm-22.05', name), 'utf8');
}

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

type Reply = (received: Received, res: http.ServerResponse, req: http.IncomingMessage) => void;

interface FakeSlurmrestd {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

async function serve(reply: Reply): Promise<FakeSlurmrestd> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      reply(r, res, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What the recorded answers sent by these specs broke of the v0.0.38 document (none, or the spec fails). */
const contractViolations: string[] = [];
let bodiesChecked = 0;

/**
 * Answers with a recorded sample and its recorded status, as slurmrestd does. Each JSON sample is
 * checked against the v0.0.38 OpenAPI document for the request it answers before it is sent.
 */
function answer(res: http.ServerResponse, status: number, file: string, request: Received, contentType = 'application/json'): void {
  const text = sample(file);
  if (contentType === 'application/json' && text.trim() !== '') {
    bodiesChecked++;
    // A proxy prefix of the base URL is not part of the API path.
    const path = (request.url.split('?')[0] ?? '').replace(/^.*?(?=\/slurm\/)/, '');
    contractViolations.push(...slurmContract('v0.0.38').responseProblems(request.method, path, status, JSON.parse(text)));
  }
  res.writeHead(status, { 'Content-Type': contentType, ...(status >= 400 ? { Connection: 'Close' } : {}) });
  res.end(text);
}

function recorded(status: number, file: string): Reply {
  return (r, res) => answer(res, status, file, r);
}

/** Every rejection seen by a test, checked for the token afterwards. */
const rejections: unknown[] = [];

async function rejectionOf(promise: Promise<unknown>): Promise<SlurmRequestError> {
  try {
    await promise;
  } catch (error) {
    rejections.push(error);
    if (error instanceof SlurmRequestError) return error;
    throw new Error(`expected a SlurmRequestError, got ${inspect(error)}`);
  }
  throw new Error('expected a rejection, the call succeeded');
}

describe('Slurm REST client (v0.0.38, local fake server)', () => {
  let server: FakeSlurmrestd | undefined;
  let client: SlurmApi | undefined;

  function connect(reply: Reply, options: Partial<SlurmRestClientOptions> = {}): Promise<SlurmApi> {
    return serve(reply).then((s) => {
      server = s;
      client = createSlurmRestClient({ baseUrl: s.url, credentials: staticJwtProvider(USER, new Secret(TOKEN)), ...options });
      return client;
    });
  }

  afterEach(async () => {
    await client?.close();
    await server?.close();
    client = undefined;
    server = undefined;
  });

  afterEach(() => {
    expect(contractViolations.splice(0)).to.deep.equal([]);
  });

  after(() => {
    expect(bodiesChecked, 'recorded bodies checked against the v0.0.38 document').to.be.greaterThan(10);
    expect(rejections.length).to.be.greaterThan(10);
    for (const error of rejections) {
      expect(String(error)).not.to.contain(TOKEN);
      expect(inspect(error, { depth: 10 })).not.to.contain(TOKEN);
      expect(JSON.stringify(error)).not.to.contain(TOKEN);
    }
  });

  it('submits: POSTs the v0.0.38 body with the Slurm headers and returns the job id', async () => {
    const api = await connect(recorded(200, 'submit_response.json'));
    expect(api.version).to.equal('v0.0.38');
    expect(await api.submit(spec)).to.equal(1);
    const [request] = server!.received;
    expect(request?.method).to.equal('POST');
    expect(request?.url).to.equal('/slurm/v0.0.38/job/submit');
    expect(request?.headers['x-slurm-user-name']).to.equal(USER);
    expect(request?.headers['x-slurm-user-token']).to.equal(TOKEN);
    expect(request?.headers['content-type']).to.equal('application/json');
    expect(JSON.parse(request?.body ?? '')).to.deep.equal(renderSubmitV0038(spec));
    expect(JSON.parse(request?.body ?? '').job.mcs_label).to.equal('sdp_slurm_deployer_rel_ns');
  });

  it('lists jobs with a GET that carries no body and no Content-Type', async () => {
    const api = await connect(recorded(200, 'jobs_list.json'));
    const jobs = await api.listJobs();
    expect(jobs.map((j) => [j.jobId, j.state.base])).to.deep.equal([
      [1, 'COMPLETED'],
      [2, 'FAILED'],
      [3, 'CANCELLED'],
      [4, 'CANCELLED'],
    ]);
    const [request] = server!.received;
    expect([request?.method, request?.url, request?.body]).to.deep.equal(['GET', '/slurm/v0.0.38/jobs', '']);
    expect(request?.headers['content-type']).to.equal(undefined);
    expect(request?.headers['x-slurm-user-token']).to.equal(TOKEN);
  });

  it('keeps a path prefix of the base URL', async () => {
    const s = await serve(recorded(200, 'jobs_list.json'));
    server = s;
    client = createSlurmRestClient({ baseUrl: `${s.url}/proxy/`, credentials: staticJwtProvider(USER, new Secret(TOKEN)) });
    await client.listJobs();
    expect(s.received[0]?.url).to.equal('/proxy/slurm/v0.0.38/jobs');
  });

  it('a 304 to a request without update_time is a transient failure, not a crash or an empty list', async () => {
    const api = await connect((_r, res) => {
      res.writeHead(304);
      res.end();
    });
    const error = await rejectionOf(api.listJobs());
    expect(error.status).to.equal(304);
    expect(error.failure).to.deep.equal({ kind: 'transient', message: 'listJobs: HTTP 304 to a request without update_time' });
  });

  it('sends update_time after a full list (send time minus 30 s) and reads the 304 as "the list you hold"', async () => {
    let now = 1_800_000_100_000;
    const api = await connect(
      (r, res) => {
        if (!r.url.includes('update_time')) return answer(res, 200, 'jobs_list.json', r);
        res.writeHead(304, { 'Content-Type': 'application/json' }); // as recorded: jobs_list_update_time.json is empty
        res.end(sample('jobs_list_update_time.json'));
      },
      { now: () => now },
    );
    const full = await api.listJobs();
    expect(full.map((j) => j.jobId)).to.deep.equal([1, 2, 3, 4]);
    now += 60_000;
    expect(await api.listJobs()).to.deep.equal(full);
    now += 60_000;
    expect(await api.listJobs()).to.deep.equal(full);
    // The update_time of the only full answer, kept: a 304 says nothing newer about time.
    expect(server!.received.map((r) => r.url)).to.deep.equal(['/slurm/v0.0.38/jobs', '/slurm/v0.0.38/jobs?update_time=1800000070', '/slurm/v0.0.38/jobs?update_time=1800000070']);
  });

  it('the cache is per client: a second client asks unconditionally', async () => {
    const api = await connect((r, res) => (r.url.includes('update_time') ? (res.writeHead(304), res.end()) : answer(res, 200, 'jobs_list.json', r)));
    await api.listJobs();
    const other = createSlurmRestClient({ baseUrl: server!.url, credentials: staticJwtProvider(USER, new Secret(TOKEN)) });
    try {
      expect(await other.listJobs()).to.have.length(4);
      await api.listJobs();
    } finally {
      await other.close();
    }
    expect(server!.received.map((r) => r.url.replace(/=\d+$/, '=N'))).to.deep.equal(['/slurm/v0.0.38/jobs', '/slurm/v0.0.38/jobs', '/slurm/v0.0.38/jobs?update_time=N']);
  });

  it('negotiates v0.0.38 from the /openapi/v3 that slurmrestd 22.05 sent (v0.0.36 to v0.0.38)', async () => {
    const s = await serve((r, res) => (r.url === '/openapi/v3' ? (res.writeHead(200, { 'Content-Type': 'application/json' }), res.end(sample('openapi_v3.json'))) : answer(res, 200, 'jobs_list.json', r)));
    server = s;
    client = await connectSlurm({ baseUrl: s.url, credentials: staticJwtProvider(USER, new Secret(TOKEN)) });
    expect(client.version).to.equal('v0.0.38');
    await client.listJobs();
    expect(s.received.map((r) => `${r.method} ${r.url}`)).to.deep.equal(['GET /openapi/v3', 'GET /slurm/v0.0.38/jobs']);
  });

  it('refuses a 200 whose body is empty or not JSON as transient; for a submit the job may exist', async () => {
    const api = await connect((r, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(r.method === 'POST' ? 'ok' : '');
    });
    const list = await rejectionOf(api.listJobs());
    expect(list.failure).to.deep.equal({ kind: 'transient', message: 'listJobs: HTTP 200 with an empty body' });
    const submit = await rejectionOf(api.submit(spec));
    expect(submit.failure.kind).to.equal('unknown-outcome');
    expect(submit.failure.message).to.contain('the job may exist');
  });

  it('gets one job, and undefined for a job Slurm does not know (2017)', async () => {
    const api = await connect((r, res) =>
      r.url === '/slurm/v0.0.38/job/2' ? answer(res, 200, 'job_get_failed.json', r) : answer(res, 500, 'err_unknown_job.json', r),
    );
    const job = await api.getJob(2);
    expect(job?.exitCode).to.deep.equal({ status: 3, signal: 0 });
    expect(job?.reason).to.equal('NonZeroExitCode');
    expect(await api.getJob(999999)).to.equal(undefined);
    expect(server!.received.map((r) => `${r.method} ${r.url}`)).to.deep.equal(['GET /slurm/v0.0.38/job/2', 'GET /slurm/v0.0.38/job/999999']);
  });

  it('cancels with a DELETE; an unknown job is a permanent failure', async () => {
    const api = await connect((r, res) =>
      r.url === '/slurm/v0.0.38/job/3' ? answer(res, 200, 'job_cancel_response.json', r) : answer(res, 500, 'err_cancel_unknown.json', r),
    );
    await api.cancel(3);
    const error = await rejectionOf(api.cancel(999999));
    expect(error.status).to.equal(500);
    expect(error.failure.kind).to.equal('permanent');
    expect(error.message).to.contain('Invalid job id specified');
    expect(server!.received.map((r) => `${r.method} ${r.url}`)).to.deep.equal(['DELETE /slurm/v0.0.38/job/3', 'DELETE /slurm/v0.0.38/job/999999']);
  });

  it("keeps Slurm's message for a bad partition (permanent) and a bad request (400)", async () => {
    const api = await connect((r, res) => {
      if (r.body.includes('nowhere')) answer(res, 500, 'err_bad_partition.json', r);
      else answer(res, 400, 'err_bad_json.json', r, 'text/plain');
    });
    const partition = await rejectionOf(api.submit({ ...spec, partition: 'nowhere' }));
    expect(partition.failure).to.deep.equal({ kind: 'permanent', message: 'submit: HTTP 500: Invalid partition name specified [Slurm error 2000]' });
    const parse = await rejectionOf(api.submit(spec));
    expect(parse.failure).to.deep.equal({ kind: 'permanent', message: 'submit: HTTP 400: Unable to parse query.' });
  });

  it('reads a rejected token as auth: 5005 on submit, a quick -1 on list', async () => {
    const api = await connect((r, res) => answer(res, 500, r.method === 'POST' ? 'err_bad_token_submit.json' : 'err_bad_token.json', r));
    expect((await rejectionOf(api.submit(spec))).failure.kind).to.equal('auth');
    const list = await rejectionOf(api.listJobs());
    expect(list.failure.kind).to.equal('auth');
    expect(list.message).to.contain('token was probably rejected');
  });

  it('scrubs the token from a message even when the server echoes it', async () => {
    const api = await connect((r, res) => {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ error_code: 2000, error: `no partition for ${r.headers['x-slurm-user-token']}` }] }));
    });
    const error = await rejectionOf(api.submit(spec));
    expect(error.message).to.equal('submit: HTTP 500: no partition for [redacted] [Slurm error 2000]');
  });

  it('a server that never answers: a timed-out GET is transient, a timed-out POST has an unknown outcome', async () => {
    const api = await connect(() => undefined, { timeouts: { headersMs: 200, listHeadersMs: 200, submitHeadersMs: 200 } });
    const list = await rejectionOf(api.listJobs());
    expect(list.failure.kind).to.equal('transient');
    expect(list.message).to.contain('UND_ERR_HEADERS_TIMEOUT');
    expect(list.status).to.equal(undefined);
    const submit = await rejectionOf(api.submit(spec));
    expect(submit.failure.kind).to.equal('unknown-outcome');
    expect(submit.message).to.contain('UND_ERR_HEADERS_TIMEOUT');
    expect(server!.received.map((r) => r.method)).to.deep.equal(['GET', 'POST']);
  });

  it('a POST whose connection is destroyed after its body arrived has an unknown outcome', async () => {
    const api = await connect((_r, _res, req) => req.socket.destroy());
    const error = await rejectionOf(api.submit(spec));
    expect(error.failure.kind).to.equal('unknown-outcome');
    expect(error.message).to.match(/^submit: no answer after the request was sent \(UND_ERR_SOCKET: /);
    expect(server!.received).to.have.length(1);
  });

  it('a GET whose connection is destroyed is transient (reads are safe to repeat)', async () => {
    const api = await connect((_r, _res, req) => req.socket.destroy());
    expect((await rejectionOf(api.getJob(5))).failure.kind).to.equal('transient');
  });

  it('a refused connection is transient, even for a submit: nothing was sent', async () => {
    const closed = await serve(() => undefined);
    await closed.close();
    const api = createSlurmRestClient({ baseUrl: closed.url, credentials: staticJwtProvider(USER, new Secret(TOKEN)) });
    try {
      const error = await rejectionOf(api.submit(spec));
      expect(error.failure.kind).to.equal('transient');
      expect(error.message).to.match(/^submit: slurmrestd unreachable \(ECONNREFUSED: /);
      expect((await rejectionOf(api.listJobs())).failure.kind).to.equal('transient');
    } finally {
      await api.close();
    }
  });

  it('sends nothing for an invalid job id, and fails as auth without credentials', async () => {
    const api = await connect(recorded(200, 'jobs_list.json'));
    expect((await rejectionOf(api.getJob(0))).failure.kind).to.equal('permanent');
    expect((await rejectionOf(api.cancel(1.5))).failure.kind).to.equal('permanent');
    const noCredentials = createSlurmRestClient({
      baseUrl: server!.url,
      credentials: { credentials: () => Promise.reject(new Error('Entra said no')) },
    });
    try {
      const error = await rejectionOf(noCredentials.listJobs());
      expect(error.failure).to.deep.equal({ kind: 'auth', message: 'listJobs: no Slurm credentials: Entra said no' });
    } finally {
      await noCredentials.close();
    }
    expect(server!.received).to.have.length(0);
  });
});
