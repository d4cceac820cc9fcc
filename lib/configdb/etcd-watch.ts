// The watch of deployments on etcd: resumes after a disconnect from the last revision delivered,
// without losing or repeating events, and says when it cannot go on (compaction).

import type { Etcd3, IEvent, IKeyValue, IOptions, IWatchResponse, Watcher } from 'etcd3';
import type { Secret } from '../base/secret.js';
import type { DeploymentChange, DeploymentWatch, DeploymentWatchListener } from './config-db.js';
import { decodeDeployment } from './codecs.js';
import { deploymentsKeyPrefix, parseKey } from './paths.js';
import { withTimeout } from './with-timeout.js';
import { backoffMs } from '../core/backoff.js';
import { messageOf } from '../core/error-message.js';

/**
 * A watch of `2/deploy/` from `afterRevision + 1`. etcd3's watcher reconnects by itself, but it
 * resumes from the header revision of the last response, which during a catch-up is the current
 * revision rather than that of the last event delivered: a disconnect then skips the rest of the
 * backlog. So the revision to resume from is tracked here and put back before each reconnect.
 */
export async function openWatch(
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

export function changeOfPut(kv: IKeyValue, prefix: string): DeploymentChange | undefined {
  const parsed = parseKey(kv.key.toString('utf8'), prefix);
  if (parsed === undefined || parsed.isState) return undefined;
  const decoded = decodeDeployment(parsed.deploymentId, kv.value.toString('utf8'), Number(kv.mod_revision));
  return decoded.ok ? { type: 'put', deployment: decoded.deployment } : { type: 'invalid', invalid: decoded.invalid };
}

type Backoff = NonNullable<NonNullable<IOptions['faultHandling']>['watchBackoff']>;

/**
 * Exponential from 100 ms up to maxMs, with jitter. etcd3's default grows to 30 s, so a watch
 * could stay away that long after etcd is back.
 */
export function reconnectBackoff(maxMs: number, attempt = 0): Backoff {
  return {
    duration: backoffMs({ baseMs: 100, maxMs }, attempt + 1, Math.random()),
    next: () => reconnectBackoff(maxMs, Math.min(attempt + 1, 30)),
  };
}

export function lostReason(error: Error, fromRevision: number, password: Secret | undefined): string {
  const message = safeMessage(error, password);
  // etcd cancels a watch without a reason only when its start revision has been compacted.
  if (/^Watcher canceled:\s*$/.test(message)) return `revision ${fromRevision} has been compacted`;
  return `watch from revision ${fromRevision} cancelled: ${message}`;
}

export function safeMessage(error: unknown, password: Secret | undefined): string {
  const message = messageOf(error);
  const secret = password?.reveal();
  return secret ? message.split(secret).join('[redacted]') : message;
}
