// A small slurmrestd for specs, an embedder's included (`sdp-slurm-deployer/testing`), answering
// like Slurm 24.05 to 26.05 do through v0.0.39 to v0.0.45; with `recorded`, from what real 24.11
// and 26.05 servers answered (spec/fixtures/recorded, shipped with the package): /openapi/v3
// listing the paths it serves, submit, jobs with update_time, job/{id} and its DELETE
// (slurm-fake-jobs.ts), /slurmdb/{version}/job/{id}, and from v0.0.40 jobs/state and the bulk
// DELETE jobs (slurm-fake-states.ts). Jobs change only when told (addJob, updateJob, ageOut): a
// spec plays slurmctld. It keeps every request and answer, for a spec to check (our specs check
// each body against the version's OpenAPI document: spec/support/fake-slurmrestd.ts).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { accountingAnswer, errorAnswer, killStatus, type FakeJob, type NewerVersion } from './slurm-bodies.js';
import { recordedReply } from './recorded-bodies.js';
import type { ReplayedRelease } from './recordings.js';
import { openApiListing, routeOf } from './fake-routes.js';
import { answerBulkCancel, answerStates, type FakeReply } from './slurm-fake-states.js';
import { answerCancel, answerGetJob, answerList, answerSubmit, type JobsFake } from './slurm-fake-jobs.js';

/** What a FakeSlurmrestd serves and accepts. */
export interface FakeSlurmrestdOptions {
  /** The versions it serves, as one Slurm release does (24.11: v0.0.40, v0.0.41, v0.0.42). */
  readonly versions: readonly NewerVersion[];
  /** Serve and list `/slurmdb/{version}/job/{job_id}` (slurmdbd behind it). Default true. */
  readonly accounting?: boolean;
  /** Declare and accept `Authorization: Bearer`. Default true. */
  readonly bearer?: boolean;
  /** The Slurm user it accepts (X-SLURM-USER-NAME). */
  readonly userName: string;
  /** The token it accepts. */
  readonly token: string;
  /** A token slurmrestd lets through but slurmctld refuses: 500 (24.05) or 511 (24.11+). */
  readonly rejectedToken?: string;
  /** slurmctld's clock, Unix seconds. */
  readonly clock?: number;
  /**
   * Answer as that real release did (spec/fixtures/recorded, `npm run record-fixtures`): its
   * recorded bodies and statuses for a bad partition (partition "nowhere"), a token slurmctld
   * refuses, an unknown job (GET and DELETE), "no change" to update_time, and 24.11's 422 to an
   * epoch update_time on v0.0.40/41. The versions served must be ones recorded for it.
   */
  readonly recorded?: ReplayedRelease;
}

/** A request the fake got. */
export interface RecordedRequest {
  /** The HTTP method. */
  readonly method: string;
  /** The path and query. */
  readonly url: string;
  /** The headers, as Node read them (lower-case names). */
  readonly headers: http.IncomingHttpHeaders;
  /** The body, as text. */
  readonly body: string;
}

/** An answer the fake sent. */
export interface RecordedAnswer {
  /** The request's HTTP method. */
  readonly method: string;
  /** Without the query. */
  readonly path: string;
  /** The HTTP status. */
  readonly status: number;
  /** Parsed JSON, or the text of a text/plain answer. */
  readonly body: unknown;
}

/** A slurmrestd on a free port of 127.0.0.1 (`start`), speaking REST API v0.0.39 to v0.0.45; with `recorded`, answering with the bodies real Slurm 24.11 or 26.05 servers sent. Its jobs change only when told (addJob, updateJob, ageOut): the caller plays slurmctld. */
export class FakeSlurmrestd {
  /** Every request, in order. */
  readonly requests: RecordedRequest[] = [];
  /** Every answer, in order. */
  readonly answers: RecordedAnswer[] = [];
  /** The jobs slurmctld knows, by id. */
  readonly jobs = new Map<number, FakeJob>();
  /** Records slurmdbd keeps, whether or not slurmctld still knows the job. */
  readonly accountingRecords = new Map<number, FakeJob[]>();
  /** slurmctld's clock and its `last_job_update`. */
  clock: number;
  /** When a job last changed (`last_job_update`): lists with an update_time past it answer "no change". */
  lastJobUpdate: number;
  /** Where it listens, `http://127.0.0.1:<port>`, once started. */
  url = '';

  readonly #options: FakeSlurmrestdOptions;
  readonly #server: http.Server;
  readonly #intercepts: { match: (r: RecordedRequest) => boolean; reply: FakeReply }[] = [];
  #nextJobId = 101;

  private constructor(options: FakeSlurmrestdOptions) {
    this.#options = options;
    this.clock = options.clock ?? 1_800_000_000;
    this.lastJobUpdate = this.clock;
    this.#server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.requests.push(request);
        this.#send(request, res, this.#answer(request));
      });
    });
  }

  /** Starts one on a free port. */
  static async start(options: FakeSlurmrestdOptions): Promise<FakeSlurmrestd> {
    const fake = new FakeSlurmrestd(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  /** The release it answers as (FakeSlurmrestdOptions.recorded), if any. */
  get recorded(): ReplayedRelease | undefined {
    return this.#options.recorded;
  }

  /** Stops it, closing open connections. */
  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#server.closeAllConnections();
      this.#server.close(() => resolve());
    });
  }

  /** Adds a job as slurmctld would have it after a submit by someone (a change: last_job_update moves). */
  addJob(job: Partial<FakeJob> & Pick<FakeJob, 'name' | 'mcsLabel'>): FakeJob {
    const full: FakeJob = { jobId: this.#nextJobId++, comment: '', state: ['PENDING'], reason: 'None', submitTime: this.clock, ...job };
    this.#store(full);
    return full;
  }

  /** Changes a job (a change: last_job_update moves to now). */
  updateJob(jobId: number, change: Partial<FakeJob>): FakeJob {
    const job = this.jobs.get(jobId);
    if (job === undefined) throw new Error(`no job ${jobId}`);
    const updated = { ...job, ...change };
    this.#store(updated);
    return updated;
  }

  /** The job ages out of slurmctld (MinJobAge); slurmdbd keeps its record. */
  ageOut(jobId: number): void {
    if (!this.jobs.delete(jobId)) throw new Error(`no job ${jobId}`);
    this.lastJobUpdate = this.clock;
  }

  /** Answers the next request that matches this way instead of the usual one. */
  interceptOnce(match: { method?: string; path?: RegExp }, reply: FakeReply): void {
    this.#intercepts.push({
      match: (r) => (match.method === undefined || r.method === match.method) && (match.path === undefined || match.path.test(r.url)),
      reply,
    });
  }

  #store(job: FakeJob): void {
    this.jobs.set(job.jobId, job);
    this.accountingRecords.set(job.jobId, [...(this.accountingRecords.get(job.jobId) ?? []).filter((r) => r.submitTime !== job.submitTime), job]);
    this.lastJobUpdate = this.clock;
  }

  #send(request: RecordedRequest, res: http.ServerResponse, reply: FakeReply): void {
    const path = request.url.split('?')[0] ?? '';
    this.answers.push({ method: request.method, path, status: reply.status, body: reply.body });
    if (typeof reply.body === 'string') {
      res.writeHead(reply.status, { 'Content-Type': 'text/plain', Connection: 'Close' });
      res.end(reply.body);
      return;
    }
    res.writeHead(reply.status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(reply.body));
  }

  #answer(request: RecordedRequest): FakeReply {
    const intercept = this.#intercepts.findIndex((i) => i.match(request));
    if (intercept >= 0) return this.#intercepts.splice(intercept, 1)[0]!.reply;

    const auth = this.#authenticate(request);
    if (auth !== 'ok' && auth !== 'rejected') return { status: 401, body: 'Authentication failure' };
    const url = new URL(request.url, 'http://fake');
    if (url.pathname === '/openapi/v3' && request.method === 'GET') return { status: 200, body: openApiListing(this.#options) };

    const routed = routeOf(this.#options, request.method, url.pathname);
    if (routed === undefined) return { status: 404, body: 'Unable find requested URL. Please view /openapi/v3 for API reference.' };
    const { operation, version, id } = routed;
    const release = this.#options.recorded;
    const recorded =
      release === undefined
        ? undefined
        : recordedReply(release, version, operation, {
            rejected: auth === 'rejected',
            body: request.body,
            updateTime: url.searchParams.get('update_time'),
            knowsJob: this.jobs.has(id),
            lastJobUpdate: this.lastJobUpdate,
          });
    if (recorded !== undefined) return recorded;
    if (auth === 'rejected') {
      // slurmctld refused the token: 500 up to 24.05, 511 from 24.11.
      const error = { code: 1007, error: 'Protocol authentication error', source: 'slurm_load_jobs', description: 'Failed while looking for jobs' };
      return { status: killStatus(version) ? 511 : 500, body: errorAnswer(version, operation, [error]) };
    }

    const fake = this.#fakeOf(version);
    switch (operation) {
      case 'submit':
        return answerSubmit(fake, request.body);
      case 'listJobs':
        return answerList(fake, url.searchParams.get('update_time'));
      case 'getJob':
        return answerGetJob(fake, id);
      case 'cancel':
        return answerCancel(fake, id);
      case 'accounting':
        return { status: 200, body: accountingAnswer(version, this.accountingRecords.get(id) ?? []) };
      case 'readStates':
        return answerStates(fake, url);
      case 'cancelJobs':
        return answerBulkCancel(fake, request.body);
    }
  }

  /** What the answers of slurm-fake-jobs.ts and slurm-fake-states.ts see of this fake, for one version. */
  #fakeOf(version: NewerVersion): JobsFake {
    const recorded = this.#options.recorded;
    return {
      version,
      jobs: this.jobs,
      clock: this.clock,
      lastJobUpdate: this.lastJobUpdate,
      ...(recorded === undefined ? {} : { recorded }),
      kill: (id) => this.#kill(id),
      submit: (job) => this.addJob(job).jobId,
    };
  }

  /** SIGKILL to a whole job, as slurmctld does it: signalled, already done, or unknown. */
  #kill(id: number): 'signalled' | 'already-done' | 'unknown' {
    const job = this.jobs.get(id);
    if (job === undefined) return 'unknown';
    if (!['PENDING', 'RUNNING', 'SUSPENDED'].includes(job.state[0] ?? '')) return 'already-done';
    this.updateJob(id, { state: ['CANCELLED'], reason: 'None', exit: { status: 0, signal: 9 }, endTime: this.clock });
    return 'signalled';
  }

  #authenticate(request: RecordedRequest): 'ok' | 'rejected' | 'refused' {
    const user = request.headers['x-slurm-user-name'];
    const token = request.headers['x-slurm-user-token'];
    const bearer = request.headers['authorization'];
    if (token !== undefined && bearer !== undefined) return 'refused'; // "mutually exclusive headers"
    const presented = token ?? (this.#options.bearer !== false && typeof bearer === 'string' && bearer.startsWith('Bearer ') ? bearer.slice(7) : undefined);
    if (presented === undefined || user !== this.#options.userName) return 'refused';
    if (presented === this.#options.token) return 'ok';
    return presented === this.#options.rejectedToken ? 'rejected' : 'refused';
  }
}
