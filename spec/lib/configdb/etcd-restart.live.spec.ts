// The deployer's real Config DB source (streams/sources/config-source.ts over openConfigDb) against a
// private secured etcd that is restarted, and compacted past the watcher's revision, mid-watch.
// The deployer reaches etcd through a gate that can keep it away, so that writes are made while
// it is cut off; the specs' own writes go straight to etcd as root.

import { expect } from 'chai';
import type { Subscription } from 'rxjs';
import type { ConfigDb } from '../../../lib/configdb/config-db.js';
import { openConfigDb } from '../../../lib/configdb/open-config-db.js';
import { deploymentKey, deploymentsKeyPrefix, statesKeyPrefix } from '../../../lib/configdb/paths.js';
import { describeProblems, readConfig } from '../../../lib/config/deployer-config.js';
import type { DeployerEvent } from '../../../lib/core/events.js';
import { configEvents } from '../../../streams/sources/config-source.js';
import { startPrivateEtcd, type PrivateEtcd } from '../../support/private-etcd.js';
import { startStack } from '../../support/stack.js';
import { TcpGate } from '../../support/tcp-gate.js';

const WAIT_MS = 20_000;

describe('Config DB source across an etcd restart and a compaction @live', function () {
  this.timeout(90_000);
  let etcd: PrivateEtcd;
  let gate: TcpGate;
  let db: ConfigDb;
  let source: SourceLog;
  let subscription: Subscription;
  let prefix: string;
  let tests = 0;

  before(async function () {
    this.timeout(600_000);
    await startStack(); // installs etcd when missing
    etcd = await startPrivateEtcd('restart');
    gate = await TcpGate.start(etcd.port);
  });

  after(async () => {
    await gate?.close();
    await etcd?.dispose();
  });

  beforeEach(() => {
    prefix = `/spec-restart-${++tests}`;
    const result = readConfig({
      SDP_SLURMDEPLOY_SLURM_URL: 'http://127.0.0.1:1',
      SDP_SLURMDEPLOY_CLIENT_ID: 'slurmjob',
      SDP_SLURMDEPLOY_SLURM_JWT: 'unused',
      SDP_SLURMDEPLOY_RELEASE_NAME: 'spec',
      SDP_SLURMDEPLOY_NAMESPACE: 'restart',
      ...etcd.env,
      // No client certificate: this etcd asks for none.
      SDP_CONFIG_CLIENT_CERT: undefined,
      SDP_CONFIG_CLIENT_KEY: undefined,
      SDP_CONFIG_PORT: String(gate.port),
      SDP_CONFIG_PREFIX: prefix,
    });
    if (!result.ok) throw new Error(describeProblems(result.problems));
    db = openConfigDb(result.config.configDb, { timeoutMs: 5000, watchReconnectMaxMs: 500 });
    source = new SourceLog();
    subscription = configEvents(db, { retryBaseMs: 100, retryMaxMs: 1000, onResync: source.onResync }).subscribe(source.observer);
  });

  afterEach(async () => {
    subscription.unsubscribe();
    await db.close();
    gate.accept();
    await etcd.root.delete().prefix(deploymentsKeyPrefix(prefix)).exec();
    await etcd.root.delete().prefix(statesKeyPrefix(prefix)).exec();
  });

  const put = async (id: string): Promise<number> =>
    Number((await etcd.root.put(deploymentKey(id, prefix)).value(JSON.stringify({ key: id, kind: 'slurm', args: { command: ['true'] } })).exec()).header.revision);
  const remove = async (id: string): Promise<number> => Number((await etcd.root.delete().key(deploymentKey(id, prefix)).exec()).header.revision);

  it('after etcd restarts, sees every change made while it was down, then the new deployments', async () => {
    await source.until('the first listing', () => source.events.length > 0);
    const rA = await put('a');
    await source.until('a', () => sameView(source.view(), { a: rA }));
    // a came through the watch, so the deployer's auth tokens are older than this write. etcd
    // replays from its log, at a restart, only the simple tokens issued after the last write: the
    // deployer's die with the restart, as they would in production.
    const rGone = await put('gone');
    await source.until('gone', () => sameView(source.view(), { a: rA, gone: rGone }));

    gate.refuse();
    gate.cut();
    await etcd.stop();
    await etcd.start();
    // Made while the deployer could not reach etcd.
    const rB = await put('b');
    const rGoneDeleted = await remove('gone');
    const rA2 = await put('a');
    const marked = source.events.length;
    gate.accept();
    await source.until('the changes made while etcd restarted', () => sameView(source.view(), { a: rA2, b: rB }));
    const rC = await put('c');
    await source.until('the deployment after the restart', () => sameView(source.view(), { a: rA2, b: rB, c: rC }));

    expect(rGoneDeleted).to.be.above(rB);
    expect(source.failure).to.equal(undefined);
    expect(source.completed).to.equal(false);
    expect(gate.connections).to.be.at.least(2);
    // However it caught up (the watch resumed, or was lost and the source listed again), nothing
    // is seen twice and c came as a watch event.
    const after = source.events.slice(marked);
    expect(puts(after).filter((p) => p.id === 'c')).to.deep.equal([{ id: 'c', revision: rC }]);
    expect(new Set(puts(source.events).map((p) => p.revision)).size).to.equal(puts(source.events).length);
  });

  it('after a compaction past the watcher\'s revision, lists afresh and then sees the later deployments', async () => {
    const rA = await put('a');
    await source.until('a', () => sameView(source.view(), { a: rA }));

    gate.refuse();
    gate.cut();
    const rB = await put('b');
    const rC = await put('c');
    await etcd.root.kv.compact({ revision: String(rC), physical: true });
    const marked = source.events.length;
    gate.accept();
    await source.until('a fresh listing', () => source.events.slice(marked).some((e) => e.type === 'configListed'));
    const rD = await put('d');
    await source.until('the deployment after the compaction', () => sameView(source.view(), { a: rA, b: rB, c: rC, d: rD }));

    expect(source.events.slice(marked).map(brief)).to.deep.equal([
      { configListed: { a: rA, b: rB, c: rC } },
      { put: 'd', revision: rD },
    ]);
    expect(source.resyncs).to.deep.equal([`watch lost: revision ${rA + 1} has been compacted`]);
    expect(source.failure).to.equal(undefined);
  });
});

type View = Readonly<Record<string, number>>;

/** What the deployer would believe exists: id -> revision of its value. */
function fold(events: readonly DeployerEvent[]): Map<string, number> {
  let view = new Map<string, number>();
  for (const event of events) {
    if (event.type === 'configListed') view = new Map(event.deployments.map((d) => [d.id, d.revision]));
    else if (event.type === 'deploymentPut') view.set(event.deployment.id, event.deployment.revision);
    else if (event.type === 'deploymentDeleted') view.delete(event.id);
  }
  return view;
}

function sameView(view: Map<string, number>, expected: View): boolean {
  return JSON.stringify(Object.fromEntries([...view].sort())) === JSON.stringify(Object.fromEntries(Object.entries(expected).sort()));
}

function puts(events: readonly DeployerEvent[]): Array<{ id: string; revision: number }> {
  return events.flatMap((e) => (e.type === 'deploymentPut' ? [{ id: e.deployment.id, revision: e.deployment.revision }] : []));
}

function brief(event: DeployerEvent): unknown {
  switch (event.type) {
    case 'configListed':
      return { configListed: Object.fromEntries(event.deployments.map((d) => [d.id, d.revision])) };
    case 'deploymentPut':
      return { put: event.deployment.id, revision: event.deployment.revision };
    case 'deploymentDeleted':
      return { deleted: event.id };
    default:
      return { [event.type]: true };
  }
}

/** Records what the source emits, and waits for a condition on it with a bounded wait. */
class SourceLog {
  readonly events: DeployerEvent[] = [];
  readonly resyncs: string[] = [];
  failure: unknown;
  completed = false;
  readonly #waiters: Array<() => void> = [];

  readonly observer = {
    next: (event: DeployerEvent) => this.#record(() => this.events.push(event)),
    error: (error: unknown) => this.#record(() => (this.failure = error)),
    complete: () => this.#record(() => (this.completed = true)),
  };

  readonly onResync = (reason: string): void => this.#record(() => this.resyncs.push(reason));

  view(): Map<string, number> {
    return fold(this.events);
  }

  async until(what: string, done: () => boolean, ms = WAIT_MS): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out after ${ms} ms waiting for ${what}; got ${JSON.stringify({ events: this.events.map(brief), resyncs: this.resyncs })}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  #record(change: () => unknown): void {
    change();
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
