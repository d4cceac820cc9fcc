// The election and the fenced writes against the real etcd of the local stack, each test below
// its own global prefix: one leader among candidates, a resignation hands over at once, a leader
// that cannot prove its lease steps down without asking anyone, and a write whose term is gone is
// refused by etcd itself.

import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import type { ConfigDb } from '../../../lib/configdb/config-db.js';
import { createEtcdConfigDb } from '../../../lib/configdb/etcd-config-db.js';
import type { WriteFence } from '../../../lib/configdb/write-fence.js';
import { leadershipKey, startLeaderElection, type Fence, type LeaderElection } from '../../../lib/configdb/leader-election.js';
import { deploymentKey, registryKey, stateKey, watermarkKey } from '../../../lib/configdb/paths.js';
import type { DeploymentState } from '../../../lib/core/deployment-state.js';
import { eventually } from '../../support/eventually.js';
import { startStack } from '../../support/stack.js';

const RUN = randomBytes(4).toString('hex');
let prefixes = 0;
const LABEL = 'sdp_slurm_deployer_spec_election';
const STATE: DeploymentState = { status: 'PENDING', generation: 1 } as DeploymentState;

describe('leader election and fenced writes on etcd @live', function () {
  this.timeout(30_000);
  let hosts: string;
  let raw: Etcd3;
  let prefix: string;
  const running: LeaderElection[] = [];
  const dbs: ConfigDb[] = [];

  before(async function () {
    this.timeout(600_000);
    const stack = await startStack();
    hosts = `http://${stack.SDP_CONFIG_HOST}:${stack.SDP_CONFIG_PORT}`;
    raw = new Etcd3({ hosts });
  });
  beforeEach(() => {
    prefix = `/spec-election-${RUN}-${++prefixes}`;
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.resign()));
    await Promise.all(dbs.splice(0).map((db) => db.close()));
    // Deployments (depth 3), states and the watermark (4), the leadership key and the job registry (5).
    await Promise.all([3, 4, 5].map((depth) => raw.delete().prefix(`${depth}${prefix}/`)));
  });
  after(() => raw?.close());

  type Log = string[];
  const candidate = (replicaId: string, log: Log, extra: { now?: () => number; ttlSeconds?: number } = {}) => {
    const election = startLeaderElection({
      client: raw,
      prefix,
      label: LABEL,
      replicaId,
      ttlSeconds: extra.ttlSeconds ?? 3,
      retryPeriodMs: 100,
      ...(extra.now === undefined ? {} : { now: extra.now }),
      onStartedLeading: (term) => log.push(`${replicaId} leads ${term}`),
      onStoppedLeading: (term, reason) => log.push(`${replicaId} stops ${term}: ${reason}`),
    });
    running.push(election);
    return election;
  };
  const holder = async () => {
    const kv = (await raw.kv.range({ key: Buffer.from(leadershipKey(prefix, LABEL)) })).kvs[0];
    return kv === undefined ? undefined : { replicaId: kv.value.toString(), term: Number(kv.create_revision), lease: kv.lease };
  };

  it('elects one of two candidates; the term is the create revision of the key, which holds the replica id', async () => {
    const log: Log = [];
    const a = candidate('a', log);
    await eventually('a leads', async () => (a.isLeading() ? true : undefined), 10_000, 50);
    const b = candidate('b', log);
    await eventually('b sees a', async () => (b.leader()?.replicaId === 'a' ? true : undefined), 10_000, 50);
    const key = await holder();
    expect(key).to.include({ replicaId: 'a', term: a.leader()?.term });
    expect(b.isLeading()).to.equal(false);
    expect(b.fence()).to.equal(undefined);
    expect(a.fence()).to.deep.equal({ key: leadershipKey(prefix, LABEL), createRevision: key?.term });
    expect(log).to.deep.equal([`a leads ${key?.term}`]);
  });

  it('a leader that resigns revokes its lease: the other leads at once, in a new term', async () => {
    const log: Log = [];
    const a = candidate('a', log);
    await eventually('a leads', async () => (a.isLeading() ? true : undefined), 10_000, 50);
    const b = candidate('b', log);
    await eventually('b sees a', async () => (b.leader()?.replicaId === 'a' ? true : undefined), 10_000, 50);
    const first = a.leader()?.term ?? 0;
    const at = Date.now();
    await a.resign();
    await eventually('b leads', async () => (b.isLeading() ? true : undefined), 10_000, 20);
    // Well within the TTL (3 s): the key went with the revoked lease, not by expiry.
    expect(Date.now() - at).to.be.below(1500);
    expect(b.leader()?.term).to.be.greaterThan(first);
    expect(log).to.deep.equal([`a leads ${first}`, `a stops ${first}: resigned`, `b leads ${b.leader()?.term}`]);
  });

  it('a leader whose lease is not proven alive (a paused process waking up) steps down at once, before any call', async () => {
    const log: Log = [];
    let skew = 0;
    const a = candidate('a', log, { now: () => performance.now() + skew });
    await eventually('a leads', async () => (a.isLeading() ? true : undefined), 10_000, 50);
    const term = a.leader()?.term;
    // As after SIGSTOP for 3 x TTL: the monotonic clock moved on, no renewal was answered meanwhile.
    skew = 9_000;
    expect(a.isLeading()).to.equal(false);
    expect(a.fence()).to.equal(undefined);
    expect(log).to.deep.equal([`a leads ${term}`, `a stops ${term}: lease not proven alive`]);
  });

  it('a leader whose lease was revoked behind its back steps down at its next renewal', async () => {
    const log: Log = [];
    const a = candidate('a', log);
    await eventually('a leads', async () => (a.isLeading() ? true : undefined), 10_000, 50);
    const key = await holder();
    await raw.leaseClient.leaseRevoke({ ID: String(key?.lease) });
    const at = Date.now();
    await eventually('a steps down', async () => (log.length === 2 ? true : undefined), 5000, 20);
    expect(Date.now() - at).to.be.below(3000);
    expect(log[1]).to.match(/^a stops \d+: (lease expired|leadership key gone|lease not proven alive)/);
  });

  describe('fenced state writes', () => {
    const fenced = (fence: { current: () => Fence | undefined }) => {
      const told: string[] = [];
      const writeFence: WriteFence = { current: fence.current, fencedOut: (reason) => told.push(reason) };
      const db = createEtcdConfigDb({ hosts, prefix, fence: writeFence });
      dbs.push(db);
      return { db, told };
    };
    const putDeployment = (id: string) => raw.put(deploymentKey(id, prefix)).value(JSON.stringify({ key: id, kind: 'slurm', args: { script: 'true' } }));
    const stateOf = (id: string) => raw.get(stateKey(id, prefix)).string();
    const registered = async (jobId: number) => (await raw.get(registryKey(LABEL, jobId, prefix)).string()) ?? null;

    it('the leader writes; once its term is gone (another holds the key) etcd refuses the write, and the fence is told', async () => {
      const log: Log = [];
      const a = candidate('a', log);
      await eventually('a leads', async () => (a.isLeading() ? true : undefined), 10_000, 50);
      const term = a.leader()?.term ?? 0;
      let fence: Fence | undefined = a.fence();
      const { db, told } = fenced({ current: () => fence });
      await putDeployment('d1');
      expect(await db.writeState('d1', STATE)).to.equal('written');
      expect(await stateOf('d1')).to.not.equal(null);
      await db.recordJobs(LABEL, [{ jobId: 8, deployment: 'd1', comment: '' }], []);
      expect(await registered(8)).to.not.equal(null);

      // Another term: a's lease revoked, b elected. A stale fence (a's term) is what a leader that
      // has not noticed yet would still hold.
      await a.resign();
      const b = candidate('b', log);
      await eventually('b leads', async () => (b.isLeading() ? true : undefined), 10_000, 20);
      fence = { key: leadershipKey(prefix, LABEL), createRevision: term };
      await raw.delete().key(stateKey('d1', prefix));
      const error = await db.writeState('d1', { ...STATE, status: 'RUNNING' } as DeploymentState).then(() => undefined, (e: unknown) => e as Error);
      expect(error?.message).to.match(/fenced out: the leadership of term \d+ is gone \(term \d+ of b\)/);
      expect(told).to.have.length(1);
      expect(await stateOf('d1')).to.equal(null);
      const deleteError = await db.deleteState('gone').then(() => undefined, (e: unknown) => e as Error);
      expect(deleteError?.message).to.match(/fenced out/);
      // A batch of writes is fenced as a whole: nothing of it is written.
      await putDeployment('d3');
      const batchError = await db.writeStates([{ id: 'd1', state: STATE }, { id: 'd3', state: STATE }]).then(() => undefined, (e: unknown) => e as Error);
      expect(batchError?.message).to.match(/fenced out/);
      expect([await stateOf('d1'), await stateOf('d3')]).to.deep.equal([null, null]);
      // The job-id watermark is fenced as the states are: a stale leader cannot lower b's floor.
      const watermarkError = await db.writeWatermark(LABEL, { floor: 1, clean: true }).then(() => undefined, (e: unknown) => e as Error);
      expect(watermarkError?.message).to.match(/fenced out/);
      expect((await raw.get(watermarkKey(LABEL, prefix)).string()) ?? null).to.equal(null);
      // So is the job registry: a stale leader neither registers a job nor removes one.
      const recordError = await db.recordJobs(LABEL, [{ jobId: 7, deployment: 'd1', comment: '' }], [8]).then(() => undefined, (e: unknown) => e as Error);
      expect(recordError?.message).to.match(/fenced out/);
      expect([await registered(7), await registered(8)]).to.deep.equal([null, '{\n  "comment": "",\n  "deployment": "d1"\n}']);
      expect(told).to.have.length(5);
    });

    it('a deployment that is gone is still told apart from a fence that is gone', async () => {
      const log: Log = [];
      const a = candidate('a', log);
      await eventually('a leads', async () => (a.isLeading() ? true : undefined), 10_000, 50);
      const { db, told } = fenced({ current: () => a.fence() });
      expect(await db.writeState('missing', STATE)).to.equal('deployment-missing');
      await putDeployment('here');
      expect(await db.writeStates([{ id: 'missing', state: STATE }, { id: 'here', state: STATE }])).to.deep.equal(['deployment-missing', 'written']);
      expect(await db.deleteState('here')).to.equal('deployment-exists');
      expect(told).to.deep.equal([]);
    });

    it('a replica that does not lead sends nothing', async () => {
      const { db } = fenced({ current: () => undefined });
      await putDeployment('d2');
      const before = Number((await raw.kv.range({ key: Buffer.from('\0') })).header.revision);
      const error = await db.writeState('d2', STATE).then(() => undefined, (e: unknown) => e as Error);
      expect(error?.message).to.match(/not the leader/);
      const watermarkError = await db.writeWatermark(LABEL, { floor: 1, clean: true }).then(() => undefined, (e: unknown) => e as Error);
      expect(watermarkError?.message).to.match(/not the leader/);
      const recordError = await db.recordJobs(LABEL, [{ jobId: 7, deployment: 'd2', comment: '' }], []).then(() => undefined, (e: unknown) => e as Error);
      expect(recordError?.message).to.match(/not the leader/);
      expect(Number((await raw.kv.range({ key: Buffer.from('\0') })).header.revision)).to.equal(before);
    });
  });
});
