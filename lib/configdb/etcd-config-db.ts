// The Config DB on etcd (npm etcd3): listing at one revision, a watch that survives disconnects
// without losing or repeating events, and state writes guarded by a transaction.

import { Etcd3, Range, type ICompare, type IEvent, type IKeyValue, type IOptions, type IRequestOp, type ITxnResponse, type IWatchResponse, type Watcher } from 'etcd3';
import type { DeploymentState } from '../core/deployment-state.js';
import type { DeploymentEntry, InvalidDeployment } from '../core/events.js';
import type { Secret } from '../config/secret.js';
import { stateWriteBatches, type ConfigDb, type DeploymentChange, type DeploymentListing, type DeploymentWatch, type DeploymentWatchListener, type StateDeleteResult, type StateWrite, type StateWriteResult } from './config-db.js';
import { decodeDeployment, decodeState, encodeState, orphanStatesOf, statesOfInvalid } from './codecs.js';
import { noMemberBreaker } from './etcd-member-policy.js';
import type { Fence } from './leader-election.js';
import { checkGlobalPrefix, deploymentKey, deploymentsKeyPrefix, parseKey, stateKey, statesKeyPrefix } from './paths.js';

export interface EtcdConfigDbOptions {
  /** `host:port`, `http://host:port` or `https://host:port` (TLS); several: the members of a cluster. */
  readonly hosts: string | readonly string[];
  /** ska-sdp-config's global prefix: '' (default) or a path such as `/test`. */
  readonly prefix?: string;
  readonly username?: string;
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
}

/** Fencing of a replica's writes by its leadership (see leader-election.ts). */
export interface WriteFence {
  /** The term that must still hold; undefined: not leading, so nothing may be written. */
  current(): Fence | undefined;
  /** A write found the term gone. */
  fencedOut(reason: string): void;
}

export function createEtcdConfigDb(options: EtcdConfigDbOptions): ConfigDb {
  const prefix = checkGlobalPrefix(options.prefix ?? '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const password = options.password;
  const writesPerTxn = Math.min(127, Math.max(1, options.writesPerTxn ?? 64));
  const client = new Etcd3(clientOptions(options, timeoutMs));
  const watches = new Set<DeploymentWatch>();
  let closed = false;

  /** Every failure leaves here as an Error whose message cannot hold the password. */
  async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
    if (closed) throw new Error(`etcd ${what}: the Config DB client is closed`);
    try {
      return await withTimeout(run(), timeoutMs, `etcd ${what}`);
    } catch (error) {
      throw new Error(`etcd ${what} failed: ${safeMessage(error, password)}`);
    }
  }

  return {
    async listDeployments(): Promise<DeploymentListing> {
      // One transaction of two ranges: both read at the same revision, in one round trip.
      const response = await call('list deployments', () =>
        client.kv.txn({ success: [rangeOp(deploymentsKeyPrefix(prefix)), rangeOp(statesKeyPrefix(prefix))] }),
      );
      const [deploymentKvs = [], stateKvs = []] = response.responses.map((r) => r.response_range?.kvs ?? []);
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
      return { revision: Number(response.header.revision), deployments, invalid, orphanStates: orphanStatesOf(states, present), ...statesOfInvalid(invalid, states) };
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
        const what = `write ${batch.length} states`;
        const fence = fenceOf(options.fence, what);
        const response = await call(what, () =>
          client.kv.txn({
            compare: rawFenceCompares(fence),
            failure: rawFenceReads(fence),
            success: batch.map(({ id, state }) => ({
              request_txn: {
                compare: [{ key: Buffer.from(deploymentKey(id, prefix)), target: 'Version', result: 'Greater', version: 0 }],
                success: [{ request_put: { key: Buffer.from(stateKey(id, prefix)), value: Buffer.from(encodeState(state)) } }],
                failure: [],
              },
            })),
          }),
        );
        if (!response.succeeded) {
          checkFence(options.fence, fence, response, what);
          throw new Error(`etcd ${what}: not written: the fence did not hold`);
        }
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

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      // Watches first: once the client is closed, a live watcher would retry against it forever.
      await Promise.all([...watches].map((w) => w.close()));
      client.close();
    },
  };
}

// Fencing (issue 14): a fenced write's transaction adds fenceCompares to its compares and
// fenceReads to its failure branch; checkFence tells a fenced-out failure from the write's own.

type FenceCompare = [key: string, target: 'Create', comparison: '==', value: number];

/** The fence a write must carry; throws, writing nothing, when the replica does not lead. */
function fenceOf(fence: WriteFence | undefined, what: string): Fence | undefined {
  if (fence === undefined) return undefined;
  const current = fence.current();
  if (current === undefined) throw new Error(`etcd ${what}: not written: this replica is not the leader`);
  return current;
}

function fenceCompares(fence: Fence | undefined): FenceCompare[] {
  return fence === undefined ? [] : [[fence.key, 'Create', '==', fence.createRevision]];
}

function fenceReads(client: Etcd3, fence: Fence | undefined): ReturnType<Etcd3['get']>[] {
  return fence === undefined ? [] : [client.get(fence.key)];
}

/** The same, for a transaction built as a request (etcd3's kv.txn). */
function rawFenceCompares(fence: Fence | undefined): ICompare[] {
  return fence === undefined ? [] : [{ key: Buffer.from(fence.key), target: 'Create', result: 'Equal', create_revision: String(fence.createRevision) }];
}

function rawFenceReads(fence: Fence | undefined): IRequestOp[] {
  return fence === undefined ? [] : [{ request_range: { key: Buffer.from(fence.key) } }];
}

/** Throws (and tells the fence) when the failed transaction's leadership key is not of our term. */
function checkFence(fence: WriteFence | undefined, current: Fence | undefined, response: ITxnResponse, what: string): void {
  if (fence === undefined || current === undefined) return;
  const holder = response.responses[0]?.response_range?.kvs[0];
  if (holder !== undefined && Number(holder.create_revision) === current.createRevision) return;
  const reason = holder === undefined ? 'no leader' : `term ${String(holder.create_revision)} of ${holder.value.toString('utf8')}`;
  fence.fencedOut(`${what}: ${reason}`);
  throw new Error(`etcd ${what}: fenced out: the leadership of term ${current.createRevision} is gone (${reason})`);
}

/**
 * A watch of `2/deploy/` from `afterRevision + 1`. etcd3's watcher reconnects by itself, but it
 * resumes from the header revision of the last response, which during a catch-up is the current
 * revision rather than that of the last event delivered: a disconnect then skips the rest of the
 * backlog. So the revision to resume from is tracked here and put back before each reconnect.
 */
async function openWatch(
  client: Etcd3,
  prefix: string,
  afterRevision: number,
  listener: DeploymentWatchListener,
  timeoutMs: number,
  password: Secret | undefined,
): Promise<DeploymentWatch> {
  let nextRevision = afterRevision + 1;
  let connected = false;
  /** Closed by us: report nothing more. */
  let closed = false;
  /** Dropped by etcd3 after an error: it will not reconnect, and cancelling it would never end. */
  let dropped = false;
  // watcher() attaches at once; the listeners below are in place before any response can arrive
  // (create() resolves a tick after 'connected', when events may already have been emitted).
  const watcher: Watcher = client.watch().prefix(deploymentsKeyPrefix(prefix)).startRevision(String(nextRevision)).watcher();

  watcher.on('data', (response: IWatchResponse) => {
    if (response.events.length === 0) {
      // A progress notification: etcd sends it only to a watcher that has seen everything so far.
      nextRevision = Math.max(nextRevision, Number(response.header.revision) + 1);
      return;
    }
    const from = nextRevision;
    for (const event of response.events) {
      const revision = Number(event.kv.mod_revision);
      nextRevision = Math.max(nextRevision, revision + 1);
      if (revision < from) continue; // delivered before a reconnect
      const change = changeOfEvent(event, prefix);
      if (change !== undefined && !closed) listener.change(change);
    }
  });
  watcher.on('disconnected', () => {
    watcher.request.start_revision = nextRevision;
  });

  const attached = new Promise<void>((resolve, reject) => {
    watcher.once('connected', () => {
      connected = true;
      resolve();
    });
    watcher.on('error', (error: Error) => {
      dropped = true;
      const reason = lostReason(error, nextRevision, password);
      if (!connected) reject(new Error(`etcd watch failed: ${reason}`));
      else if (!closed) listener.lost(reason);
      closed = true;
    });
  });

  let cancelled: Promise<void> | undefined;
  const cancel = (): Promise<void> =>
    (cancelled ??= (async () => {
      closed = true;
      if (!dropped) await withTimeout(watcher.cancel(), timeoutMs, 'etcd watch cancel').catch(() => undefined);
    })());

  try {
    await withTimeout(attached, timeoutMs, 'etcd watch');
  } catch (error) {
    await cancel();
    throw new Error(safeMessage(error, password));
  }
  return { close: cancel };
}

function changeOfEvent(event: IEvent, prefix: string): DeploymentChange | undefined {
  // Typed 'Put' | 'Delete', but proto-loader gives the proto names: 'PUT' | 'DELETE'.
  if (String(event.type).toUpperCase() === 'PUT') return changeOfPut(event.kv, prefix);
  const parsed = parseKey(event.kv.key.toString('utf8'), prefix);
  if (parsed === undefined || parsed.isState) return undefined;
  return { type: 'deleted', id: parsed.deploymentId, revision: Number(event.kv.mod_revision) };
}

function changeOfPut(kv: IKeyValue, prefix: string): DeploymentChange | undefined {
  const parsed = parseKey(kv.key.toString('utf8'), prefix);
  if (parsed === undefined || parsed.isState) return undefined;
  const decoded = decodeDeployment(parsed.deploymentId, kv.value.toString('utf8'), Number(kv.mod_revision));
  return decoded.ok ? { type: 'put', deployment: decoded.deployment } : { type: 'invalid', invalid: decoded.invalid };
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
    ...(username !== undefined && password !== undefined ? { auth: { username, password: password.reveal() } } : {}),
  };
}

type Backoff = NonNullable<NonNullable<IOptions['faultHandling']>['watchBackoff']>;

/**
 * Exponential from 100 ms up to maxMs, with jitter. etcd3's default grows to 30 s, so a watch
 * could stay away that long after etcd is back.
 */
function reconnectBackoff(maxMs: number, attempt = 0): Backoff {
  return {
    duration: Math.min(maxMs, 100 * 2 ** attempt) * (0.5 + Math.random() / 2),
    next: () => reconnectBackoff(maxMs, Math.min(attempt + 1, 30)),
  };
}

function lostReason(error: Error, fromRevision: number, password: Secret | undefined): string {
  const message = safeMessage(error, password);
  // etcd cancels a watch without a reason only when its start revision has been compacted.
  if (/^Watcher canceled:\s*$/.test(message)) return `revision ${fromRevision} has been compacted`;
  return `watch from revision ${fromRevision} cancelled: ${message}`;
}

function safeMessage(error: unknown, password: Secret | undefined): string {
  const message = error instanceof Error ? error.message : String(error);
  const secret = password?.reveal();
  return secret ? message.split(secret).join('[redacted]') : message;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
