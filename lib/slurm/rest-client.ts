// The SlurmApi over HTTP for every supported REST API version: connectSlurm negotiates the
// version from the server's /openapi/v3 (or checks the forced one there), createSlurmRestClient
// takes one as given. The version's adapter shapes the bodies; this file decides what the answers
// mean for the deployer, with job-lookup.ts (getJob), states-reader.ts (readStates) and
// cancel-batch.ts (cancels sharing one DELETE /jobs).

import { messageOf } from '../core/error-message.js';
import type { JobSpec, SlurmJob } from '../core/slurm-job.js';
import type { SlurmAdapter } from './adapter.js';
import { adapterFor } from './adapters.js';
import { isSuccess, parsedBody } from './answer-body.js';
import { isSupportedApiVersion, listVersions, SUPPORTED_API_VERSIONS, type SlurmApiVersion } from './api-versions.js';
import { errorsOfBody } from './body-messages.js';
import { cancelJobs } from './bulk-cancel.js';
import { CancelBatch } from './cancel-batch.js';
import type { SlurmOperation } from './failure-classification.js';
import { JobListCache } from './job-list-cache.js';
import { createJobLookup } from './job-lookup.js';
import { labelled, readJobListOffThread, type Labelled, type ThreadReading } from './job-list-thread.js';
import { checkForcedVersion, pickApiVersion, readServerOffer } from './negotiation.js';
import { servesOperation } from './served-paths.js';
import { SlurmRequestError, type SlurmApi } from './slurm-api.js';
import { createSlurmHttp, type Answer, type SlurmHttp, type SlurmHttpOptions } from './slurm-http.js';
import { createStatesReader } from './states-reader.js';
import { requestStates } from './states-request.js';

export { DEFAULT_TIMEOUTS, type SlurmAuthScheme, type SlurmRestTimeouts } from './slurm-http.js';

/** What a Slurm client does beyond the HTTP: accounting lookups, list caching, reading large lists off the event loop, filtering by label. */
export interface SlurmClientBehaviour {
  /**
   * Ask `/slurmdb/{version}/job/{id}` for a job `/slurm/...` no longer knows (it aged out after
   * MinJobAge), to learn its final state. Needs slurmdbd behind slurmrestd; v0.0.39 and later.
   */
  readonly accounting?: boolean;
  /** See JobListCache.storeFull: used only by versions whose job lists carry no server time. */
  readonly updateTimeMarginSeconds?: number;
  /** The clock (ms) that stamps list requests; tests replace it. */
  readonly now?: () => number;
  /**
   * Job lists of at least this many bytes are parsed and decoded by a worker thread, off the event
   * loop (job-list-thread.ts); smaller ones where they arrive. Default 256 KiB, about 70 jobs.
   */
  readonly offThreadJobListBytes?: number;
  /**
   * `listJobs` lists only the jobs with this mcs_label (the deployer's), dropped where the list is
   * read: a cluster's other jobs never reach the event loop. Unset: every job.
   */
  readonly jobLabel?: string;
}

const OFF_THREAD_JOB_LIST_BYTES = 256 * 1024;

export interface SlurmRestClientOptions extends SlurmHttpOptions, SlurmClientBehaviour {
  /** The REST API version to use as is, without asking the server (default v0.0.38). */
  readonly version?: SlurmApiVersion;
}

/** How connectSlurm reaches slurmrestd and which version it uses. */
export interface ConnectSlurmOptions extends SlurmHttpOptions, SlurmClientBehaviour {
  /**
   * Forces this version (SDP_SLURMDEPLOY_API_VERSION) instead of the newest both sides speak. It is
   * checked against /openapi/v3 as a negotiated one is: a version the server does not serve is
   * refused at start. Either way accounting is used wherever the server lists
   * `/slurmdb/{version}/job/{job_id}` for the version in use (unless `accounting` is false).
   */
  readonly version?: string;
}

/**
 * A SlurmApi on the version negotiated with the server (or the forced one, if the server serves
 * it). Rejects with a NoCommonApiVersionError naming both sides' versions when there is none in
 * common, a ForcedVersionNotServedError naming the server's when it does not serve the forced one,
 * with a plain Error for a forced version this deployer does not speak or a Bearer the server
 * does not declare, and with a SlurmRequestError (classified) when /openapi/v3 cannot be read.
 */
export async function connectSlurm(options: ConnectSlurmOptions): Promise<SlurmApi> {
  const forced = options.version;
  if (forced !== undefined && !isSupportedApiVersion(forced)) {
    throw new Error(`Slurm REST API version ${forced} is not one this deployer speaks (${listVersions(SUPPORTED_API_VERSIONS)})`);
  }
  const http = createSlurmHttp(options);
  try {
    const document = await openApiDocument(http);
    const offer = readServerOffer(document);
    const version = forced === undefined ? pickApiVersion(offer, options.baseUrl) : checkForcedVersion(offer, forced, options.baseUrl);
    if (options.authScheme === 'bearer' && !offer.bearer) {
      throw new Error(`slurmrestd at ${options.baseUrl} does not declare Bearer authentication in /openapi/v3: use X-SLURM-USER-TOKEN`);
    }
    if (options.authScheme === 'bearer' && version === 'v0.0.38') throw new Error(BEARER_NEEDS_V0039);
    const accounting = (options.accounting ?? true) && offer.accounting.has(version) && adapterFor(version).parseAccountingJobs !== undefined;
    const served = {
      states: servesOperation(document, 'get', `/slurm/${version}/jobs/state`),
      bulkCancel: servesOperation(document, 'delete', `/slurm/${version}/jobs`),
    };
    return clientOver(http, adapterFor(version), { ...options, accounting }, served);
  } catch (error) {
    await http.close();
    throw error;
  }
}

const BEARER_NEEDS_V0039 = 'Bearer authentication needs REST API v0.0.39 or later (Slurm 23.02+): v0.0.38 takes X-SLURM-USER-TOKEN';

/** A SlurmApi on one version, as given (no request is made here). */
export function createSlurmRestClient(options: SlurmRestClientOptions): SlurmApi {
  const version = options.version ?? 'v0.0.38';
  if (!isSupportedApiVersion(version)) {
    throw new Error(`Slurm REST API version ${String(version)} is not one this deployer speaks (${listVersions(SUPPORTED_API_VERSIONS)})`);
  }
  const adapter = adapterFor(version);
  if (options.authScheme === 'bearer' && version === 'v0.0.38') {
    throw new Error(BEARER_NEEDS_V0039);
  }
  if (options.accounting === true && adapter.parseAccountingJobs === undefined) {
    throw new Error(`accounting lookups need REST API v0.0.39 or later, not ${version}`);
  }
  return clientOver(createSlurmHttp(options), adapter, options);
}

/** `GET /openapi/v3`: slurmrestd's OpenAPI document, which lists every path it serves (it needs a token). */
async function openApiDocument(http: SlurmHttp): Promise<unknown> {
  const answer = await http.call('discover', 'GET', '/openapi/v3');
  if (!isSuccess(answer)) http.fail('discover', answer, errorsOfBody(answer.body));
  if (answer.body === undefined) {
    throw http.reject({ kind: 'transient', message: `discover: HTTP ${answer.status}: /openapi/v3 did not answer with a JSON document` }, answer);
  }
  return answer.body;
}

/** The optional operations of the adapter that the server lists (all of them when not asked). */
interface Served {
  readonly states: boolean;
  readonly bulkCancel: boolean;
}

function clientOver(http: SlurmHttp, adapter: SlurmAdapter, options: SlurmClientBehaviour, served: Served = { states: true, bulkCancel: true }): SlurmApi {
  const version = adapter.version;
  const slurm = (path: string) => `/slurm/${version}${path}`;
  const cache = new JobListCache(options.updateTimeMarginSeconds);
  const now = options.now ?? Date.now;
  const parseAccountingJobs = options.accounting === true ? adapter.parseAccountingJobs : undefined;
  const offThreadBytes = options.offThreadJobListBytes ?? OFF_THREAD_JOB_LIST_BYTES;

  const parsed = <T>(operation: SlurmOperation, answer: Answer, parse: (body: unknown) => T): T => parsedBody(http, operation, answer, parse);

  /** One `GET jobs`; never says "unchanged" to a request that did not send `update_time`. */
  async function requestJobList(updateTime: number | undefined): Promise<Labelled> {
    const query = updateTime === undefined ? undefined : { update_time: String(updateTime) };
    const jobList = { version, label: options.jobLabel, fromBytes: offThreadBytes };
    const answer = await http.call('listJobs', 'GET', slurm(adapter.paths.jobs), query === undefined ? { jobList } : { query, jobList });
    if (answer.status === 304) {
      // v0.0.38's "no change": 304 with an empty body. It can only mean the list we hold.
      if (updateTime !== undefined) return { reading: { kind: 'unchanged' }, listed: 0 };
      throw http.reject({ kind: 'transient', message: 'listJobs: HTTP 304 to a request without update_time' }, answer);
    }
    if (!isSuccess(answer)) http.fail('listJobs', answer, errorsOfBody(answer.body));
    const read = await readJobList(answer);
    if (read.reading.kind === 'unchanged' && updateTime === undefined) {
      throw http.reject({ kind: 'transient', message: `listJobs: HTTP ${answer.status}: "no job changes" to a request without update_time` }, answer);
    }
    return read;
  }

  /** A 200 answer's job list, of our label only, read off the event loop when it is large. */
  async function readJobList(answer: Answer): Promise<Labelled> {
    if (answer.jobList === undefined && answer.bytes.byteLength < offThreadBytes) return labelled(parsed('listJobs', answer, adapter.readJobList), options.jobLabel);
    const status = answer.status;
    let read: ThreadReading;
    try {
      read = await (answer.jobList ?? readJobListOffThread(version, answer.bytes, answer.contentType, options.jobLabel));
    } catch (error) {
      throw http.reject({ kind: 'transient', message: `listJobs: ${messageOf(error)}` }, answer);
    }
    if ('reading' in read) return read;
    // The same words as an in-thread parse (`parsed`); the body is the worker's now, and not empty.
    const message = 'notJson' in read ? `listJobs: HTTP ${status} with a body that is not JSON` : `listJobs: ${read.error}`;
    throw http.reject({ kind: 'transient', message }, answer);
  }

  const lookUpJob = createJobLookup(http, adapter, { jobLabel: options.jobLabel, parseAccountingJobs });
  const getJob = async (jobId: number): Promise<SlurmJob | undefined> => lookUpJob(jobIdPath('getJob', jobId));

  async function cancelOne(jobId: number): Promise<void> {
    // Without `signal` every version sends SIGKILL to the whole job (KILL_FULL_JOB).
    const answer = await http.call('cancel', 'DELETE', slurm(adapter.paths.job(jobIdPath('cancel', jobId))));
    if (!isSuccess(answer)) http.fail('cancel', answer, errorsOfBody(answer.body));
    const errors = adapter.cancelErrors(answer.body);
    if (errors.length > 0) http.fail('cancel', answer, errors);
  }

  const states = served.states ? adapter.states : undefined;
  const readStates =
    states === undefined
      ? undefined
      : createStatesReader(
          {
            list: (jobIds) => requestStates(http, slurm(states.path), states, jobIds),
            lookup: getJob,
            // Unconditional and uncached: listJobs' update_time cursor stays its own.
            fullList: async () => {
              const { reading } = await requestJobList(undefined);
              return reading.kind === 'full' ? reading.jobs : [];
            },
          },
          options.jobLabel,
        );
  const bulk = served.bulkCancel ? adapter.bulkCancel : undefined;
  const batch = bulk === undefined ? undefined : new CancelBatch((jobIds) => cancelJobs(http, slurm(bulk.path), bulk, jobIds));

  return {
    version,

    async submit(spec: JobSpec): Promise<number> {
      const answer = await http.call('submit', 'POST', slurm(adapter.paths.submit), { body: adapter.renderSubmit(spec) });
      if (!isSuccess(answer)) http.fail('submit', answer, errorsOfBody(answer.body));
      try {
        return adapter.parseSubmit(answer.body);
      } catch (error) {
        // Slurm said yes: the job most likely exists, we just cannot read its id.
        const message = `submit: HTTP ${answer.status} but ${messageOf(error)}; the job may exist`;
        throw http.reject({ kind: 'unknown-outcome', message }, answer);
      }
    },

    async listJobs(): Promise<readonly SlurmJob[]> {
      const updateTime = adapter.conditionalList ? cache.updateTime : undefined;
      const sentAtMs = now();
      const { reading, listed } = await requestJobList(updateTime);
      if (reading.kind === 'unchanged') return cache.jobs ?? [];
      if (updateTime !== undefined && listed === 0 && reading.lastUpdate === undefined && cache.listed > 0) {
        // Every job gone at once, in answer to a conditional request, with no server time to
        // vouch for it: that may be a "no change" we failed to recognise. Ask unconditionally.
        const againAtMs = now();
        const again = await requestJobList(undefined);
        if (again.reading.kind === 'unchanged') throw new Error('unreachable: an unconditional list is never "unchanged"');
        return cache.storeFull(again.reading.jobs, againAtMs, again.reading.lastUpdate, again.listed);
      }
      return cache.storeFull(reading.jobs, sentAtMs, reading.lastUpdate, listed);
    },

    getJob,

    readsAccounting: parseAccountingJobs !== undefined,

    // Concurrent cancels share one DELETE /jobs where the server has it (v0.0.40+), else one DELETE each.
    cancel: (jobId: number): Promise<void> => {
      if (batch === undefined) return cancelOne(jobId);
      try {
        return batch.cancel(jobIdPath('cancel', jobId));
      } catch (error) {
        return Promise.reject(error);
      }
    },

    readsStates: readStates !== undefined,

    readStates:
      readStates ??
      (() => Promise.reject(new SlurmRequestError({ kind: 'permanent', message: `readStates: REST API ${version} as used here has no GET /jobs/state` }))),

    pacing: () => http.pacing(),

    close: () => http.close(),
  };
}

function jobIdPath(operation: SlurmOperation, jobId: number): number {
  if (Number.isSafeInteger(jobId) && jobId > 0) return jobId;
  throw new SlurmRequestError({ kind: 'permanent', message: `${operation}: job id must be a positive integer` });
}
