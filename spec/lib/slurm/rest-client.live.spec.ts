// The undici client against the real local slurmrestd 22.05 (scripts/stack-start.sh): submit,
// list, update_time and its 304, lookup, cancel, negotiation, and every error case recorded in
// slurm-22.05-samples that needs slurmctld up (the slurmctld/slurmrestd stop-restart cases live
// elsewhere: the stack is shared). A recording proxy shows the wire where it matters, and every
// JSON body that crosses it is checked against the v0.0.38 OpenAPI contract.

import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { staticJwtProvider } from '../../../lib/auth/static-jwt.js';
import { Secret } from '../../../lib/base/secret.js';
import type { JobSpec, SlurmJob } from '../../../lib/core/slurm-job.js';
import { errorsOfBody } from '../../../lib/slurm/body-messages.js';
import { classifyAnswer, type HttpAnswer, type SlurmOperation } from '../../../lib/slurm/failure-classification.js';
import { readServerOffer } from '../../../lib/slurm/negotiation.js';
import { connectSlurm, createSlurmRestClient } from '../../../lib/slurm/rest-client.js';
import { SlurmRequestError, type SlurmApi } from '../../../lib/slurm/slurm-api.js';
import { startRecordingProxy, type RecordingProxy } from '../../support/recording-proxy.js';
import { slurmContract } from '../../support/slurm-contract.js';
import { mintSlurmToken } from '../../support/slurm-tokens.js';
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

  const proxies: RecordingProxy[] = [];
  const others: SlurmApi[] = [];
  let liveBodiesChecked = 0;

  const credentials = (token = env.SLURM_JWT, user = env.SLURM_USER) => staticJwtProvider(user, new Secret(token));

  async function proxy(): Promise<RecordingProxy> {
    const started = await startRecordingProxy(env.SLURM_URL);
    proxies.push(started);
    return started;
  }

  function client(options: Partial<Parameters<typeof createSlurmRestClient>[0]> = {}): SlurmApi {
    const created = createSlurmRestClient({ baseUrl: env.SLURM_URL, credentials: credentials(), ...options });
    others.push(created);
    return created;
  }

  before(async () => {
    env = await startStack();
    api = createSlurmRestClient({ baseUrl: env.SLURM_URL, credentials: credentials() });
  });

  afterEach(async () => {
    for (const other of others.splice(0)) await other.close();
    // What the real server said, checked against the v0.0.38 document (its repairs included).
    for (const p of proxies.splice(0)) {
      await p.close();
      for (const e of p.exchanges) {
        const path = e.url.split('?')[0] ?? '';
        if (!path.startsWith('/slurm/v0.0.38/') || !e.contentType?.includes('json') || e.body.trim() === '') continue;
        expect(slurmContract('v0.0.38').responseProblems(e.method, path, e.status, JSON.parse(e.body)), `${e.method} ${e.url} ${e.status}`).to.deep.equal([]);
        liveBodiesChecked++;
      }
    }
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

  describe('update_time', () => {
    it('sends update_time after a full list; slurmrestd answers 304 with an empty body and the client returns the list it holds', async () => {
      await submit(jobSpec(`rest-304-${process.pid}`, '#!/bin/bash\nsleep 30\n'));
      const wire = await proxy();
      // Our clock a day ahead and no margin: update_time is in slurmctld's future, so nothing can
      // have changed since, whatever the other specs on this shared stack are doing.
      const ahead = client({ baseUrl: wire.url, now: () => Date.now() + 86_400_000, updateTimeMarginSeconds: 0 });
      const first = await ahead.listJobs();
      const second = await ahead.listJobs();
      expect(first.length).to.be.greaterThan(0);
      expect(second).to.deep.equal(first);
      const [full, unchanged] = wire.exchanges;
      expect([full?.url, full?.status]).to.deep.equal(['/slurm/v0.0.38/jobs', 200]);
      expect(unchanged?.url).to.match(/^\/slurm\/v0\.0\.38\/jobs\?update_time=\d+$/);
      expect([unchanged?.status, unchanged?.body]).to.deep.equal([304, '']);
    });

    it("with the real clock, a job submitted after a list is in the next list (update_time never hides a change)", async () => {
      const wire = await proxy();
      const lister = client({ baseUrl: wire.url });
      await lister.listJobs();
      const id = await submit(jobSpec(`rest-after-list-${process.pid}`, '#!/bin/bash\nsleep 30\n'));
      expect((await lister.listJobs()).map((j) => j.jobId)).to.include(id);
      expect(wire.exchanges.map((e) => [e.url.replace(/=\d+$/, '=N'), e.status])).to.deep.equal([
        ['/slurm/v0.0.38/jobs', 200],
        ['/slurm/v0.0.38/jobs?update_time=N', 200],
      ]);
    });
  });

  describe('negotiation', () => {
    it('reads the real /openapi/v3 (v0.0.36 to v0.0.38 on offer), picks v0.0.38, and the negotiated client does a whole cycle', async () => {
      const wire = await proxy();
      const negotiated = await connectSlurm({ baseUrl: wire.url, credentials: credentials() });
      others.push(negotiated);
      expect(negotiated.version).to.equal('v0.0.38');
      const discover = wire.exchanges[0];
      expect([discover?.method, discover?.url, discover?.status]).to.deep.equal(['GET', '/openapi/v3', 200]);
      expect(readServerOffer(JSON.parse(discover?.body ?? '{}')).versions).to.deep.equal(['v0.0.36', 'v0.0.37', 'v0.0.38']);

      const spec = jobSpec(`rest-negotiated-${process.pid}`, '#!/bin/bash\nsleep 300\n');
      const id = await negotiated.submit(spec);
      submitted.push(id);
      expect((await negotiated.listJobs()).find((j) => j.jobId === id)).to.include({ name: spec.name, mcsLabel: LABEL });
      expect(await negotiated.getJob(id)).to.include({ jobId: id, comment: spec.comment });
      await negotiated.cancel(id);
      expect((await waitForState(id, 'CANCELLED', 30_000)).mcsLabel).to.equal(LABEL);
      expect(wire.exchanges.slice(1).map((e) => `${e.method} ${e.url.split('?')[0]}`)).to.deep.include.members([
        'POST /slurm/v0.0.38/job/submit',
        'GET /slurm/v0.0.38/jobs',
        `GET /slurm/v0.0.38/job/${id}`,
        `DELETE /slurm/v0.0.38/job/${id}`,
      ]);
    });
  });

  describe('every error case recorded in slurm-22.05-samples with slurmctld up', () => {
    it('err_cancel_unknown: cancelling a job Slurm does not know is permanent, with its message', async () => {
      const highest = Math.max(0, ...(await api.listJobs()).map((j) => j.jobId));
      const error = await rejectionOf(api.cancel(highest + 500_000));
      expect([error.failure.kind, error.status]).to.deep.equal(['permanent', 500]);
      expect(error.message).to.contain('Invalid job id specified [Slurm error 2017, slurm_kill_job]');
    });

    it('err_no_env: an empty environment is refused (400, permanent)', async () => {
      const error = await rejectionOf(api.submit(jobSpec('rest-noenv', '#!/bin/bash\ntrue\n', { environment: {} })));
      expect(error.failure).to.deep.equal({ kind: 'permanent', message: 'submit: HTTP 400: environment must be set [Slurm error 2127]; Failure during parsing [Slurm error 9001]' });
    });

    it('err_expired_token: an expired token is auth (HTTP 500, answered at once)', async () => {
      const expired = mintSlurmToken(env.SLURM_JWT_KEY_FILE, env.SLURM_USER, Math.floor(Date.now() / 1000) - 60);
      const error = await rejectionOf(client({ credentials: credentials(expired) }).listJobs());
      expect([error.failure.kind, error.status]).to.deep.equal(['auth', 500]);
      expect(error.message).to.contain('token was probably rejected');
      expect(error.message).not.to.contain(expired.split('.')[2]);
    });

    it("err_token_user_mismatch: a user's token under another user name is auth", async () => {
      const error = await rejectionOf(client({ credentials: credentials(env.SLURM_JWT, 'nobody') }).listJobs());
      expect([error.failure.kind, error.status]).to.deep.equal(['auth', 500]);
    });

    it('err_unknown_path: a version the server does not serve is a permanent 404 that says so', async () => {
      const error = await rejectionOf(client({ version: 'v0.0.40' }).listJobs());
      expect(error.failure).to.deep.equal({
        kind: 'permanent',
        message: 'listJobs: HTTP 404: Unable find requested URL. Please view /openapi/v3 for API reference.: slurmrestd does not serve this path (is the API version enabled?)',
      });
    });

    /** A request no SlurmApi call can make, sent raw; the answer goes through the client's own classification. */
    async function raw(operation: SlurmOperation, method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<ReturnType<typeof classifyAnswer> & { status: number }> {
      const started = performance.now();
      const res = await fetch(`${env.SLURM_URL}${path}`, { method, headers: init.headers ?? {}, ...(init.body === undefined ? {} : { body: init.body }), signal: AbortSignal.timeout(30_000) });
      const text = await res.text();
      const contentType = res.headers.get('content-type') ?? '';
      const answer: HttpAnswer = { status: res.status, contentType, text, elapsedMs: performance.now() - started };
      const body = contentType.includes('json') ? (JSON.parse(text) as unknown) : undefined;
      if (body !== undefined) {
        expect(slurmContract('v0.0.38').responseProblems(method, path, res.status, body)).to.deep.equal([]);
        liveBodiesChecked++;
      }
      return { ...classifyAnswer(operation, answer, errorsOfBody(body)), status: res.status };
    }

    const authHeaders = () => ({ 'X-SLURM-USER-NAME': env.SLURM_USER, 'X-SLURM-USER-TOKEN': env.SLURM_JWT, 'Content-Type': 'application/json' });
    const job = () => ({ name: 'rest-raw', environment: { PATH: '/bin' }, current_working_directory: env.SLURM_JOB_DIR, mcs_label: LABEL, hold: true });

    it('err_no_auth: no auth headers is a 401 text answer, auth', async () => {
      const failure = await raw('listJobs', 'GET', '/slurm/v0.0.38/jobs');
      expect(failure).to.deep.equal({ status: 401, kind: 'auth', message: 'listJobs: HTTP 401: Authentication failure: slurmrestd rejected the credentials' });
    });

    it('err_bad_json: a body that is not JSON is a 400, permanent', async () => {
      const failure = await raw('submit', 'POST', '/slurm/v0.0.38/job/submit', { headers: authHeaders(), body: '{"script": ' });
      expect(failure).to.deep.equal({ status: 400, kind: 'permanent', message: 'submit: HTTP 400: Unable to parse query.' });
    });

    it('err_bad_key: an unknown key is a 400, permanent, naming the key', async () => {
      const failure = await raw('submit', 'POST', '/slurm/v0.0.38/job/submit', { headers: authHeaders(), body: JSON.stringify({ script: '#!/bin/bash\ntrue\n', job: { ...job(), no_such_field: 1 } }) });
      expect(failure).to.deep.equal({
        status: 400,
        kind: 'permanent',
        message: 'submit: HTTP 400: Unknown key "no_such_field" [hsearch_r]; Failure during parsing [Slurm error 9001]',
      });
    });

    it('err_no_script: a submit without a script is refused, permanent', async () => {
      const failure = await raw('submit', 'POST', '/slurm/v0.0.38/job/submit', { headers: authHeaders(), body: JSON.stringify({ job: job() }) });
      expect(failure).to.deep.equal({ status: 500, kind: 'permanent', message: 'submit: HTTP 500: Job script not specified [Slurm error 2009]' });
    });

    it('checked the JSON bodies the real server sent against the v0.0.38 document', () => {
      expect(liveBodiesChecked).to.be.greaterThan(5);
    });
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
