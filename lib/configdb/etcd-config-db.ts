// The Config DB on etcd (npm etcd3): listing at one revision, the watch (etcd-watch.ts), and
// state writes guarded by a transaction (fenced by a leader's term: write-fence.ts).

import { Etcd3, Range, type IOptions, type IRequestOp, type ITxnResponse } from 'etcd3';
import type { DeploymentState } from '../core/deployment-state.js';
import type { DeploymentEntry, InvalidDeployment } from '../core/events.js';
import type { Secret } from '../base/secret.js';
import { FileSecret } from '../base/file-secret.js';
import { registryBatches, stateWriteBatches, type ConfigDb, type DeploymentListing, type DeploymentWatch, type DeploymentWatchListener, type ListingOptions, type StateDeleteResult, type StateWrite, type StateWriteResult } from './config-db.js';
import { decodeRegisteredJob, decodeState, decodeWatermark, encodeRegisteredJob, encodeState, encodeWatermark } from './codecs.js';
import { assembleListing } from './listing.js';
import type { RegisteredJob, Watermark } from '../core/world.js';
import { noMemberBreaker } from './etcd-member-policy.js';
import { changeOfPut, openWatch, reconnectBackoff, safeMessage } from './etcd-watch.js';
import { checkFence, fenceCompares, fenceOf, fenceReads, rawFenceCompares, rawFenceReads, type WriteFence } from './write-fence.js';
import { withTimeout } from './with-timeout.js';
import { checkGlobalPrefix, deploymentKey, deploymentsKeyPrefix, parseKey, parseRegistryKey, registryKey, registryKeyPrefix, stateKey, statesKeyPrefix, watermarkKey } from './paths.js';

export interface EtcdConfigDbOptions {
  /** `host:port`, `http://host:port` or `https://host:port` (TLS); several: the members of a cluster. */
  readonly hosts: string | readonly string[];
  /** ska-sdp-config's global prefix: '' (default) or a path such as `/test`. */
  readonly prefix?: string;
  readonly username?: string;
  /** A FileSecret is read again each time a client authenticates (see clientOptions). */
  readonly password?: Secret;
  /** PEM CA bundle, client certificate and key for TLS. */
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Bound on every call, and on connecting a watch. Default 10 s. */
  readonly timeoutMs?: number;
  /** Longest wait between attempts to re-establish a broken watch. Default 2 s. */
  readonly watchReconnectMaxMs?: number;
  /** A leader's fence: every state write and delete also checks that its term still holds. */
  readonly fence?: WriteFence;
  /**
   * State writes per transaction in writeStates. Each is a nested transaction (its own "while the
   * deployment exists" compare and a put) inside one outer transaction; etcd counts the outer's
   * operations against `--max-txn-ops` (default 128) and leaves each nested one the rest, so at
   * most 127 fit. Default 64: half, for an etcd run with a lower limit.
   */
  readonly writesPerTxn?: number;
  /** Job registry writes per transaction in recordJobs (puts and deletes, all counted by `--max-txn-ops`). Default 100. */
  readonly recordsPerTxn?: number;
}

export function createEtcdConfigDb(options: EtcdConfigDbOptions): ConfigDb {
  const prefix = checkGlobalPrefix(options.prefix ?? '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const password = options.password;
  const writesPerTxn = Math.min(127, Math.max(1, options.writesPerTxn ?? 64));
  const recordsPerTxn = Math.min(128, Math.max(1, options.recordsPerTxn ?? 100));
  const client = new Etcd3(clientOptions(options, timeoutMs));
  const watches = new Set<DeploymentWatch>();
  let closed = false;

  /** Every failure leaves here as an Error whose message cannot hold the password. */
  async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
    if (closed) throw new Error(`etcd ${what}: the Config DB client is closed`);
    try {
      return await withTimeout(run(), timeoutMs, `etcd ${what}`);
    } catch (error) {
      throw new Error(`etcd ${what} failed: ${safeMessage(error, password)}${passwordFileProblem(password)}`);
    }
  }

  /** One transaction of `success`, carried out only while the fence (a leader's term) holds; an Error when it did not. */
  async function fencedTxn(what: string, success: IRequestOp[]): Promise<ITxnResponse> {
    const fence = fenceOf(options.fence, what);
    const response = await call(what, () => client.kv.txn({ compare: rawFenceCompares(fence), failure: rawFenceReads(fence), success }));
    if (!response.succeeded) {
      checkFence(options.fence, fence, response, what);
      throw new Error(`etcd ${what}: not written: the fence did not hold`);
    }
    return response;
  }

  return {
    async listDeployments(listingOptions: ListingOptions = {}): Promise<DeploymentListing> {
      // One transaction of two ranges (and the watermark, and the job registry): read at the same revision, in one round trip.
      const label = listingOptions.watermarkOf;
      const labelReads = label === undefined ? [] : [{ request_range: { key: Buffer.from(watermarkKey(label, prefix)) } }, rangeOp(registryKeyPrefix(label, prefix))];
      const response = await call('list deployments', () =>
        client.kv.txn({ success: [rangeOp(deploymentsKeyPrefix(prefix)), rangeOp(statesKeyPrefix(prefix)), ...labelReads] }),
      );
      const [deploymentKvs = [], stateKvs = [], watermarkKvs = [], registryKvs = []] = response.responses.map((r) => r.response_range?.kvs ?? []);
      const watermarkText = watermarkKvs[0]?.value.toString('utf8');
      const watermark = watermarkText === undefined ? undefined : decodeWatermark(watermarkText);
      const registeredJobs: RegisteredJob[] = [];
      for (const kv of registryKvs) {
        const jobId = label === undefined ? undefined : parseRegistryKey(kv.key.toString('utf8'), label, prefix);
        const job = jobId === undefined ? undefined : decodeRegisteredJob(jobId, kv.value.toString('utf8'));
        if (job !== undefined) registeredJobs.push(job);
      }
      registeredJobs.sort((a, b) => a.jobId - b.jobId);
      const states = new Map<string, DeploymentState>();
      for (const kv of stateKvs) {
        const parsed = parseKey(kv.key.toString('utf8'), prefix);
        const state = parsed?.isState ? decodeState(kv.value.toString('utf8')) : undefined;
        if (parsed !== undefined && state !== undefined) states.set(parsed.deploymentId, state);
      }
      const deployments: DeploymentEntry[] = [];
      const invalid: InvalidDeployment[] = [];
      const present = new Set<string>();
      for (const kv of deploymentKvs) {
        const change = changeOfPut(kv, prefix);
        if (change?.type === 'put') present.add(change.deployment.id);
        if (change?.type === 'invalid') present.add(change.invalid.id);
        if (change?.type === 'invalid') invalid.push(change.invalid);
        if (change?.type !== 'put') continue;
        const priorState = states.get(change.deployment.id);
        deployments.push(priorState === undefined ? change.deployment : { ...change.deployment, priorState });
      }
      return assembleListing({ revision: Number(response.header.revision), deployments, invalid, states, present, watermark, registeredJobs });
    },

    async watchDeployments(afterRevision: number, listener: DeploymentWatchListener): Promise<DeploymentWatch> {
      if (closed) throw new Error('etcd watch: the Config DB client is closed');
      const watch = await openWatch(client, prefix, afterRevision, listener, timeoutMs, password);
      if (closed) {
        await watch.close();
        throw new Error('etcd watch: the Config DB client was closed meanwhile');
      }
      const tracked: DeploymentWatch = {
        close: async () => {
          watches.delete(tracked);
          await watch.close();
        },
      };
      watches.add(tracked);
      return tracked;
    },

    async writeState(id: string, state: DeploymentState): Promise<StateWriteResult> {
      // Never resurrects a deleted deployment: the put happens only while /deploy/<id> exists.
      const fence = fenceOf(options.fence, `write state of ${id}`);
      const response = await call(`write state of ${id}`, () =>
        fenceCompares(fence)
          .reduce((txn, compare) => txn.and(...compare), client.if(deploymentKey(id, prefix), 'Version', '>', 0))
          .then(client.put(stateKey(id, prefix)).value(encodeState(state)))
          .else(...fenceReads(client, fence))
          .commit(),
      );
      if (!response.succeeded) checkFence(options.fence, fence, response, `write state of ${id}`);
      return response.succeeded ? 'written' : 'deployment-missing';
    },

    async writeStates(writes: readonly StateWrite[]): Promise<StateWriteResult[]> {
      const results: StateWriteResult[] = [];
      for (const batch of stateWriteBatches(writes, writesPerTxn)) {
        // One revision for the whole batch; each write keeps its own condition; the fence, the whole batch's.
        const response = await fencedTxn(
          `write ${batch.length} states`,
          batch.map(({ id, state }) => ({
            request_txn: {
              compare: [{ key: Buffer.from(deploymentKey(id, prefix)), target: 'Version', result: 'Greater', version: 0 }],
              success: [{ request_put: { key: Buffer.from(stateKey(id, prefix)), value: Buffer.from(encodeState(state)) } }],
              failure: [],
            },
          })),
        );
        batch.forEach((_, i) => results.push(response.responses[i]?.response_txn?.succeeded === true ? 'written' : 'deployment-missing'));
      }
      return results;
    },

    async deleteState(id: string): Promise<StateDeleteResult> {
      // A deployment created again meanwhile keeps its state.
      const fence = fenceOf(options.fence, `delete state of ${id}`);
      const response = await call(`delete state of ${id}`, () =>
        fenceCompares(fence)
          .reduce((txn, compare) => txn.and(...compare), client.if(deploymentKey(id, prefix), 'Version', '==', 0))
          .then(client.delete().key(stateKey(id, prefix)))
          .else(...fenceReads(client, fence))
          .commit(),
      );
      if (!response.succeeded) checkFence(options.fence, fence, response, `delete state of ${id}`);
      return response.succeeded ? 'deleted' : 'deployment-exists';
    },

    async writeWatermark(label: string, watermark: Watermark): Promise<void> {
      await fencedTxn('write the job-id watermark', [{ request_put: { key: Buffer.from(watermarkKey(label, prefix)), value: Buffer.from(encodeWatermark(watermark)) } }]);
    },

    async recordJobs(label: string, add: readonly RegisteredJob[], remove: readonly number[]): Promise<void> {
      for (const batch of registryBatches(add, remove, recordsPerTxn)) {
        await fencedTxn(
          `record ${batch.length} jobs`,
          batch.map((op) =>
            'put' in op
              ? { request_put: { key: Buffer.from(registryKey(label, op.put.jobId, prefix)), value: Buffer.from(encodeRegisteredJob(op.put)) } }
              : { request_delete_range: { key: Buffer.from(registryKey(label, op.remove, prefix)) } },
          ),
        );
      }
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      // Watches first: once the client is closed, a live watcher would retry against it forever.
      await Promise.all([...watches].map((w) => w.close()));
      client.close();
    },
  };
}

function rangeOp(keyPrefix: string): { request_range: { key: Buffer; range_end: Buffer } } {
  const range = Range.prefix(keyPrefix);
  return { request_range: { key: range.start, range_end: range.end } };
}

/** The etcd3 client options of these settings (also for the leader election's own client). */
export function clientOptions(options: EtcdConfigDbOptions, timeoutMs: number): IOptions {
  const { ca, cert, key, username, password } = options;
  const tls = ca !== undefined || cert !== undefined || key !== undefined;
  return {
    hosts: typeof options.hosts === 'string' ? options.hosts : [...options.hosts],
    dialTimeout: timeoutMs,
    // A deadline for each unary call; the watch stream is long-lived and gets none.
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeoutMs }),
    faultHandling: { watchBackoff: reconnectBackoff(options.watchReconnectMaxMs ?? 2000), host: noMemberBreaker },
    grpcOptions: {
      // Notice a dead connection that sent no FIN/RST (etcd allows pings every 5 s or more).
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.max_receive_message_length': 64 << 20,
    },
    // Without a CA of its own, grpc checks the server against the system roots.
    ...(tls ? { credentials: { rootCertificate: ca as Buffer, privateKey: key, certChain: cert } } : {}),
    ...(username !== undefined && password !== undefined ? { auth: authOf(username, password) } : {}),
  };
}

/**
 * etcd3 (1.1.2) reads `auth.password` each time it authenticates: on the first call, and again
 * after etcd refused the password or dropped the session token (an etcd restart, the password
 * changed, 5 minutes idle). For a password file that is when the file is read again, so that a
 * rotated Kubernetes Secret is taken up by every client (this one's, each watch's, the election's)
 * without a restart. The getter never throws (etcd3 would keep the failure for good): an
 * unreadable file leaves the last value, and the failure names the file (passwordFileProblem).
 */
function authOf(username: string, password: Secret): { readonly username: string; readonly password: string } {
  if (!(password instanceof FileSecret)) return { username, password: password.reveal() };
  return {
    username,
    get password(): string {
      return password.reread();
    },
  };
}

/** ` [SDP_CONFIG_PASSWORD_FILE: cannot read ...]` while the password file cannot be read; else ''. */
function passwordFileProblem(password: Secret | undefined): string {
  return password instanceof FileSecret && password.problem !== undefined ? ` [${password.problem}]` : '';
}
