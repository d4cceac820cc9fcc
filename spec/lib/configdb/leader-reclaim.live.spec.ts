// Taking back the leadership record of one's own replica id (issue 22), against the local stack's
// etcd, each test below its own global prefix: a restarted process leads at once in a new term;
// a live old process is fenced, steps down at once and does not take it back; another replica's
// record is never taken.

import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import type { ConfigDb } from '../../../lib/configdb/config-db.js';
import { createEtcdConfigDb } from '../../../lib/configdb/etcd-config-db.js';
import { leadershipKey, startLeaderElection, type Leader, type LeaderElection } from '../../../lib/configdb/leader-election.js';
import { deploymentKey } from '../../../lib/configdb/paths.js';
import type { DeploymentState } from '../../../lib/core/deployment-state.js';
import { eventually } from '../../support/eventually.js';
import { livePrefix, removeBelow } from '../../support/live-prefix.js';
import { startStack } from '../../support/stack.js';

const RUN = randomBytes(4).toString('hex');
let prefixes = 0;
const LABEL = 'sdp_slurm_deployer_spec_reclaim';
const STATE: DeploymentState = { status: 'PENDING', generation: 1 } as DeploymentState;

describe('leader election: a restarted replica takes back its own record @live', function () {
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
    prefix = livePrefix(`reclaim-${RUN}-${++prefixes}`);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.resign()));
    await Promise.all(dbs.splice(0).map((db) => db.close()));
    await removeBelow(raw, prefix);
  });
  after(() => raw?.close());

  interface Seen {
    readonly log: string[];
    readonly reclaimed: Leader[];
    readonly duplicates: Leader[];
  }
  // TTL 30 s: a renewal every 10 s, so whatever happens within a few seconds is not a renewal's doing.
  const candidate = (replicaId: string, ttlSeconds = 30) => {
    const seen: Seen = { log: [], reclaimed: [], duplicates: [] };
    const election = startLeaderElection({
      client: raw,
      prefix,
      label: LABEL,
      replicaId,
      ttlSeconds,
      retryPeriodMs: 100,
      onStartedLeading: (term) => seen.log.push(`leads ${term}`),
      onStoppedLeading: (term, reason) => seen.log.push(`stops ${term}: ${reason}`),
      onReclaimed: (previous) => seen.reclaimed.push(previous),
      onDuplicateId: (leader) => seen.duplicates.push(leader),
    });
    running.push(election);
    return { election, seen };
  };
  const key = () => leadershipKey(prefix, LABEL);
  const holder = async () => {
    const kv = (await raw.kv.range({ key: Buffer.from(key()) })).kvs[0];
    return kv === undefined ? undefined : { replicaId: kv.value.toString(), term: Number(kv.create_revision), lease: String(kv.lease) };
  };
  /** The record a process killed -9 leaves: its id under its lease, which lives on for `ttl` seconds. */
  const deadProcessRecord = async (replicaId: string, ttl = 30) => {
    const lease = raw.lease(ttl, { autoKeepAlive: false });
    await lease.put(key()).value(replicaId);
    return { lease: await lease.grant(), term: (await holder())?.term ?? 0 };
  };
  const leads = (election: LeaderElection, within = 10_000) => eventually('leads', async () => (election.isLeading() ? true : undefined), within, 10);

  it('a process restarted with the same replica id leads at once, in a new term, and revokes the dead process lease', async () => {
    const dead = await deadProcessRecord('r1');
    const at = Date.now();
    const { election, seen } = candidate('r1');
    await leads(election);
    const took = Date.now() - at;
    // Not the 30 s of the dead process's lease: a few etcd round trips.
    expect(took).to.be.below(1000);
    const now = await holder();
    expect(now?.replicaId).to.equal('r1');
    expect(now?.term).to.be.greaterThan(dead.term);
    expect(election.fence()?.createRevision).to.equal(now?.term);
    expect(seen.reclaimed).to.deep.equal([{ replicaId: 'r1', term: dead.term }]);
    await eventually('old lease revoked', async () => (Number((await raw.leaseClient.leaseTimeToLive({ ID: dead.lease })).TTL) === -1 ? true : undefined), 5000, 50);
    expect(seen.duplicates).to.deep.equal([]);
    console.log(`      restarted replica led ${took} ms after it started`);
  });

  it('another replica id is never taken back: it waits for that lease', async () => {
    await deadProcessRecord('r2', 2);
    const { election, seen } = candidate('r1');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(election.isLeading()).to.equal(false);
    expect(election.leader()?.replicaId).to.equal('r2');
    await leads(election, 10_000);
    expect(seen.reclaimed).to.deep.equal([]);
  });

  it('two live processes with one id: the newer leads in a new term, the older steps down at once, is fenced, and never takes it back', async () => {
    // TTL 9 s: its renewal is 3 s away when the newer one starts.
    const old = candidate('r1', 9);
    await leads(old.election);
    const oldTerm = old.election.fence()?.createRevision ?? 0;
    const oldFence = old.election.fence();
    const told: string[] = [];
    const db = createEtcdConfigDb({ hosts, prefix, fence: { current: () => oldFence, fencedOut: (reason) => told.push(reason) } });
    dbs.push(db);
    await raw.put(deploymentKey('d1', prefix)).value(JSON.stringify({ key: 'd1', kind: 'slurm', args: { script: 'true' } }));
    expect(await db.writeState('d1', STATE)).to.equal('written');

    const at = Date.now();
    const fresh = candidate('r1');
    await leads(fresh.election);
    const newTerm = fresh.election.fence()?.createRevision ?? 0;
    expect(newTerm).to.be.greaterThan(oldTerm);
    // Its watch on the key, not its next renewal (3 s away), tells the old process.
    await eventually('old steps down', async () => (old.seen.log.length === 2 ? true : undefined), 1000, 10);
    const stepped = Date.now() - at;
    expect(old.seen.log[1]).to.match(new RegExp(`^stops ${oldTerm}: leadership key (gone|taken by r1)`));
    expect(old.election.isLeading()).to.equal(false);
    // Whatever the old process still writes under its term is refused by etcd.
    const error = await db.writeState('d1', { ...STATE, status: 'RUNNING' } as DeploymentState).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).to.match(/fenced out/);
    expect(told).to.have.length(1);

    // Its next round is its renewal's (3 s after it led); then it campaigns every 100 ms. Many
    // rounds later it has not taken it back, and says why.
    await new Promise((resolve) => setTimeout(resolve, 4500));
    expect(fresh.election.isLeading()).to.equal(true);
    expect((await holder())?.term).to.equal(newTerm);
    expect(old.seen.log).to.have.length(2);
    expect(old.seen.duplicates).to.deep.equal([{ replicaId: 'r1', term: newTerm }]);
    expect(fresh.seen.log).to.deep.equal([`leads ${newTerm}`]);
    console.log(`      the older process stepped down ${stepped} ms after the newer one started`);
  });

  it('a late write of a term the process left is refused, and does not end the term it leads since', async () => {
    const { election, seen } = candidate('r1', 3);
    await leads(election);
    const first = election.fence();
    election.fencedOut('spec', first?.createRevision);
    // Its next round (TTL/3 later) campaigns again: a new term of the same process.
    await eventually('leads again', async () => (seen.log.length === 3 ? true : undefined), 5000, 10);
    const second = election.fence()?.createRevision ?? 0;
    expect(second).to.be.greaterThan(first?.createRevision ?? Infinity);
    // A write still carrying the first term's fence, answered now.
    const db = createEtcdConfigDb({ hosts, prefix, fence: { current: () => first, fencedOut: (reason, term) => election.fencedOut(reason, term) } });
    dbs.push(db);
    await raw.put(deploymentKey('d1', prefix)).value(JSON.stringify({ key: 'd1', kind: 'slurm', args: { script: 'true' } }));
    const error = await db.writeState('d1', STATE).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).to.match(/fenced out/);
    expect(election.isLeading()).to.equal(true);
    expect(election.fence()?.createRevision).to.equal(second);
    expect(seen.log).to.have.length(3);
  });
});
