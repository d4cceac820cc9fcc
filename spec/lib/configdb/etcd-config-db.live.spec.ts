// The etcd backend against the real etcd of the local stack. Every test works below its own
// random global prefix (ska-sdp-config's global_prefix), so runs and other specs never meet.

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { Etcd3, Range } from 'etcd3';
import type { ConfigDb, DeploymentChange } from '../../../lib/configdb/config-db.js';
import { createEtcdConfigDb } from '../../../lib/configdb/etcd-config-db.js';
import { deploymentKey, deploymentsKeyPrefix, keyOfPath, stateKey, statesKeyPrefix } from '../../../lib/configdb/paths.js';
import { Secret } from '../../../lib/base/secret.js';
import { startStack } from '../../support/stack.js';
import { TcpGate } from '../../support/tcp-gate.js';
import { describeConfigDbBehaviour, summary, WatchRecorder, type ConfigDbHarness } from './config-db-behaviour.js';

const run = promisify(execFile);
const RUN = randomBytes(4).toString('hex');
let prefixes = 0;
const freshPrefix = () => `/spec-configdb-${RUN}-${++prefixes}`;

/** ska-sdp-config's dict_to_json: sorted keys, two-space indent. */
function asSkaSdpConfig(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) =>
      v === null || typeof v !== 'object' || Array.isArray(v)
        ? v
        : Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])),
    2,
  );
}

describe('etcd Config DB @live', function () {
  let endpoint: string;
  let raw: Etcd3;

  before(async function () {
    this.timeout(600_000);
    const stack = await startStack();
    endpoint = `${stack.SDP_CONFIG_HOST}:${stack.SDP_CONFIG_PORT}`;
    raw = new Etcd3({ hosts: `http://${endpoint}` });
  });

  after(() => raw?.close());

  const etcdctl = (...args: string[]) =>
    run('etcdctl', [`--endpoints=${endpoint}`, ...args], { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 10_000 });

  /** Removes everything below a prefix: the deployments and their children, the watermarks and job registries. */
  async function removePrefix(prefix: string): Promise<void> {
    await raw.delete().prefix(deploymentsKeyPrefix(prefix)).exec();
    await raw.delete().prefix(statesKeyPrefix(prefix)).exec();
    const depth = prefix.split('/').length - 1;
    await raw.delete().prefix(`${depth + 3}${prefix}/slurm-deployer/watermark/`).exec();
    await raw.delete().prefix(`${depth + 4}${prefix}/slurm-deployer/jobs/`).exec();
  }

  async function harness(): Promise<ConfigDbHarness & { prefix: string }> {
    const prefix = freshPrefix();
    const db = createEtcdConfigDb({ hosts: `http://${endpoint}`, prefix, timeoutMs: 5000 });
    const put = async (key: string, text: string) => Number((await raw.put(key).value(text).exec()).header.revision);
    return {
      db,
      prefix,
      putDeployment: (id, value) => put(deploymentKey(id, prefix), asSkaSdpConfig(value)),
      putPath: (path, text) => put(keyOfPath(`${prefix}${path}`), text),
      deleteDeployment: async (id) => {
        // As ska-sdp-config's delete_deployment: the deployment and its children, one transaction.
        const children = Range.prefix(`${statesKeyPrefix(prefix)}${id}/`);
        const response = await raw.kv.txn({
          success: [
            { request_delete_range: { key: Buffer.from(deploymentKey(id, prefix)) } },
            { request_delete_range: { key: children.start, range_end: children.end } },
          ],
        });
        return Number(response.header.revision);
      },
      readState: async (id) => (await raw.get(stateKey(id, prefix)).string()) ?? undefined,
      dispose: async () => {
        await db.close();
        await removePrefix(prefix);
      },
    };
  }

  describeConfigDbBehaviour('etcd', harness);

  describe('state writes in transactions', () => {
    it('fits 127 writes in one transaction under etcd\'s default --max-txn-ops 128, in one revision', async function () {
      this.timeout(60_000);
      const prefix = freshPrefix();
      const db = createEtcdConfigDb({ hosts: `http://${endpoint}`, prefix, timeoutMs: 5000, writesPerTxn: 1000 });
      try {
        const ids = Array.from({ length: 127 }, (_, i) => `t${i}`);
        for (const id of ids) await raw.put(deploymentKey(id, prefix)).value(asSkaSdpConfig({ key: id, kind: 'slurm', args: {} })).exec();
        const before = (await db.listDeployments()).revision;
        const results = await db.writeStates(ids.map((id, i) => ({ id, state: { status: 'PENDING', job_id: i } })));
        expect(results).to.deep.equal(ids.map(() => 'written'));
        expect((await db.listDeployments()).revision).to.equal(before + 1);
      } finally {
        await db.close();
        await removePrefix(prefix);
      }
    });
  });

  describe('with ska-sdp-config data written by etcdctl', () => {
    let h: Awaited<ReturnType<typeof harness>>;
    beforeEach(async () => {
      h = await harness();
    });
    afterEach(() => h.dispose());

    it('lists and watches a deployment put and deleted with etcdctl', async () => {
      const listing0 = await h.db.listDeployments();
      const recorder = new WatchRecorder();
      const watch = await h.db.watchDeployments(listing0.revision, recorder.listener);
      const key = deploymentKey('proc-ctl-1', h.prefix);
      const value = '{\n  "args": {\n    "script": "#!/bin/bash\\necho hi\\n"\n  },\n  "key": "proc-ctl-1",\n  "kind": "slurm"\n}';

      const revisionOf = (stdout: string) => Number((JSON.parse(stdout) as { header: { revision: string | number } }).header.revision);
      const putRevision = revisionOf((await etcdctl('put', '-w', 'json', key, value)).stdout);
      const listing = await h.db.listDeployments();
      const delRevision = revisionOf((await etcdctl('del', '-w', 'json', key)).stdout);
      const changes = await recorder.waitForChanges(2);
      await watch.close();

      expect(listing.deployments).to.deep.equal([{ id: 'proc-ctl-1', kind: 'slurm', args: { script: '#!/bin/bash\necho hi\n' }, revision: putRevision }]);
      expect(listing.revision).to.be.at.least(putRevision);
      expect(changes.map(summary)).to.deep.equal([
        { put: 'proc-ctl-1', kind: 'slurm', args: { script: '#!/bin/bash\necho hi\n' }, revision: putRevision },
        { deleted: 'proc-ctl-1', revision: delRevision },
      ]);
      expect(delRevision).to.be.greaterThan(putRevision);
    });

    it('reads the older id/type fields written with etcdctl, and a state with unknown fields', async () => {
      const key = deploymentKey('proc-old-1', h.prefix);
      await etcdctl('put', key, '{"id": "proc-old-1", "type": "slurm", "args": {"command": ["hostname"]}}');
      await etcdctl('put', stateKey('proc-old-1', h.prefix), '{"status": "RUNNING", "job_id": 12, "pods": []}');

      const listing = await h.db.listDeployments();
      expect(listing.deployments).to.have.length(1);
      expect(listing.deployments[0]).to.deep.include({
        id: 'proc-old-1',
        kind: 'slurm',
        args: { command: ['hostname'] },
        priorState: { status: 'RUNNING', job_id: 12 },
      });
    });

    it('writes a state that etcdctl reads back as JSON', async () => {
      await h.putDeployment('proc-w-1', { key: 'proc-w-1', kind: 'slurm', args: {} });
      expect(await h.db.writeState('proc-w-1', { status: 'PENDING', job_id: 5 })).to.equal('written');
      const { stdout } = await etcdctl('get', '--print-value-only', stateKey('proc-w-1', h.prefix));
      expect(JSON.parse(stdout)).to.deep.equal({ status: 'PENDING', job_id: 5 });
    });
  });

  describe('compaction', () => {
    let h: Awaited<ReturnType<typeof harness>>;
    beforeEach(async () => {
      h = await harness();
    });
    afterEach(() => h.dispose());

    it('calls lost() once for a watch from a compacted revision; a synced watch goes on', async () => {
      const r1 = await h.putDeployment('a', { key: 'a', kind: 'slurm', args: {} });
      const r2 = await h.putDeployment('b', { key: 'b', kind: 'slurm', args: {} });
      const synced = new WatchRecorder();
      const syncedWatch = await h.db.watchDeployments(r2, synced.listener);
      await etcdctl('compact', String(r2));

      const recorder = new WatchRecorder();
      const watch = await h.db.watchDeployments(r1 - 1, recorder.listener);
      expect(await recorder.waitForLost()).to.equal(`revision ${r1} has been compacted`);
      const r3 = await h.putDeployment('c', { key: 'c', kind: 'slurm', args: {} });
      expect((await synced.waitForChanges(1)).map(summary)).to.deep.equal([{ put: 'c', kind: 'slurm', args: {}, revision: r3 }]);
      await watch.close();
      await syncedWatch.close();

      expect(recorder.lost).to.have.length(1);
      expect(recorder.changes).to.deep.equal([]);
      expect(synced.lost).to.deep.equal([]);
    });
  });

  describe('disconnects, through a proxy that cuts the connections', function () {
    this.timeout(60_000);
    let proxy: TcpGate;
    let h: Awaited<ReturnType<typeof harness>>;
    let db: ConfigDb;

    beforeEach(async () => {
      const [host, port] = endpoint.split(':') as [string, string];
      proxy = await TcpGate.start(Number(port), host);
      h = await harness();
      db = createEtcdConfigDb({ hosts: `127.0.0.1:${proxy.port}`, prefix: h.prefix, timeoutMs: 5000, watchReconnectMaxMs: 500 });
    });

    afterEach(async () => {
      await db.close();
      await h.dispose();
      await proxy.close();
    });

    it('delivers, after a reconnect, the changes written while disconnected, each once', async () => {
      const recorder = new WatchRecorder();
      const watch = await db.watchDeployments((await db.listDeployments()).revision, recorder.listener);
      const r1 = await h.putDeployment('a', { key: 'a', kind: 'slurm', args: {} });
      await recorder.waitForChanges(1);

      proxy.refuse();
      proxy.cut();
      const r2 = await h.putDeployment('b', { key: 'b', kind: 'slurm', args: {} });
      const r3 = await h.deleteDeployment('a');
      proxy.accept();
      const changes = await recorder.waitForChanges(3, 20_000);
      const r4 = await h.putDeployment('z', { key: 'z', kind: 'slurm', args: {} });
      await recorder.waitForChanges(4);
      await watch.close();

      expect(changes.map(summary)).to.deep.equal([
        { put: 'a', kind: 'slurm', args: {}, revision: r1 },
        { put: 'b', kind: 'slurm', args: {}, revision: r2 },
        { deleted: 'a', revision: r3 },
        { put: 'z', kind: 'slurm', args: {}, revision: r4 },
      ]);
      expect(recorder.lost).to.deep.equal([]);
      expect(proxy.connections).to.be.at.least(2);
    });

    it('calls lost() once when the revision to resume from was compacted while disconnected', async () => {
      const recorder = new WatchRecorder();
      const watch = await db.watchDeployments((await db.listDeployments()).revision, recorder.listener);
      const rA = await h.putDeployment('a', { key: 'a', kind: 'slurm', args: {} });
      await recorder.waitForChanges(1);

      proxy.refuse();
      proxy.cut();
      const rB = await h.putDeployment('b', { key: 'b', kind: 'slurm', args: {} });
      const rC = await h.putDeployment('c', { key: 'c', kind: 'slurm', args: {} });
      await etcdctl('compact', String(rC));
      proxy.accept();

      expect(await recorder.waitForLost(20_000)).to.equal(`revision ${rB} has been compacted`);
      await watch.close();
      expect(recorder.lost).to.have.length(1);
      expect(recorder.changes.map(summary)).to.deep.equal([{ put: 'a', kind: 'slurm', args: {}, revision: rA }]);
    });

    it('loses nothing of a long backlog when the connection drops during the catch-up', async () => {
      // etcd sends a backlog 1000 revisions per response, each stamped with the current revision;
      // etcd3 alone would resume after that revision and skip the rest of the backlog.
      const from = (await db.listDeployments()).revision;
      const count = 2500;
      const revisions: number[] = [];
      for (let i = 0; i < count; i += 250) {
        const batch = Array.from({ length: Math.min(250, count - i) }, (_, j) => `d${i + j}`);
        revisions.push(...(await Promise.all(batch.map((id) => h.putDeployment(id, { key: id, kind: 'slurm', args: {} })))));
      }
      const expected = revisions
        .map((revision, i) => ({ id: `d${i}`, revision }))
        .sort((a, b) => a.revision - b.revision);
      const recorder = new WatchRecorder();
      let cut = false;
      const watch = await db.watchDeployments(from, {
        change: (change) => {
          recorder.listener.change(change);
          if (!cut) {
            cut = true;
            proxy.cut();
          }
        },
        lost: recorder.listener.lost,
      });
      const changes = await recorder.waitForChanges(count, 30_000);
      const rZ = await h.putDeployment('z', { key: 'z', kind: 'slurm', args: {} });
      await recorder.waitForChanges(count + 1);
      await watch.close();

      expect(proxy.connections).to.be.at.least(2);
      expect(changes.slice(0, count).map((c) => (c.type === 'put' ? { id: c.deployment.id, revision: c.deployment.revision } : c))).to.deep.equal(expected);
      expect(summary(changes[count] as DeploymentChange)).to.deep.equal({ put: 'z', kind: 'slurm', args: {}, revision: rZ });
      expect(changes).to.have.length(count + 1);
    });
  });

  describe('failures', () => {
    let silent: Server;
    const sockets: Socket[] = [];
    let silentPort: number;

    before(async () => {
      // Accepts connections and never answers: a hung etcd.
      silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      silentPort = (silent.address() as { port: number }).port;
    });

    after(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    async function failureOf(call: () => Promise<unknown>): Promise<Error> {
      let failure: unknown;
      await call().then(
        () => undefined,
        (e: unknown) => (failure = e),
      );
      expect(failure).to.be.instanceOf(Error);
      return failure as Error;
    }

    it('bounds every call by the timeout', async () => {
      const db = createEtcdConfigDb({ hosts: `127.0.0.1:${silentPort}`, timeoutMs: 300 });
      try {
        const started = Date.now();
        const errors = await Promise.all([
          failureOf(() => db.listDeployments()),
          failureOf(() => db.writeState('x', { status: 'PENDING' })),
          failureOf(() => db.watchDeployments(0, new WatchRecorder().listener)),
        ]);
        expect(Date.now() - started).to.be.below(3000);
        expect(errors.map((e) => e.message)).to.deep.equal([
          'etcd list deployments failed: etcd list deployments timed out after 300 ms',
          'etcd write state of x failed: etcd write state of x timed out after 300 ms',
          'etcd watch timed out after 300 ms',
        ]);
      } finally {
        await db.close();
      }
    });

    it('never puts the password in an error message', async () => {
      const password = new Secret(`pw-${randomBytes(8).toString('hex')}`);
      // The stack's etcd has authentication off: it refuses the token request.
      const db: ConfigDb = createEtcdConfigDb({ hosts: `http://${endpoint}`, username: 'root', password, timeoutMs: 5000 });
      try {
        const error = await failureOf(() => db.listDeployments());
        expect(error.message).to.match(/^etcd list deployments failed: .*authentication is not enabled/);
        expect(error.message).not.to.contain(password.reveal());
        expect(String(error.stack)).not.to.contain(password.reveal());
      } finally {
        await db.close();
      }
    });
  });
});
