// Three replicas of the deployer on a 3-member etcd cluster and the real Slurm, 100 deployments:
// the leader killed (-9), paused (SIGSTOP for 3 x TTL), every replica restarted in turn, the etcd
// member the leader talks to killed. After each: 0 duplicate jobs, 0 lost, 0 state writes while
// no replica held the leadership key (etcd's history), 0 acts logged by a replica not leading;
// the takeover times are printed.

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { leadershipKey } from '../../lib/configdb/leader-election.js';
import { jobLabel } from '../../lib/config/job-label.js';
import { deployerEnv, startDeployer, type DeployerProcess } from '../support/deployer-process.js';
import { startEtcdCluster, type EtcdCluster } from '../support/etcd-cluster.js';
import { eventually } from '../support/eventually.js';
import { actsWhileNotLeading, auditWrites, countJobs, historyOf, logLines, type LogLine } from '../support/leadership-history.js';
import { slurmJobs } from '../support/slurm-direct.js';
import { startStack, type StackEnv } from '../support/stack.js';

// Short, to keep the run short; 3 s is too short to ride through the loss of etcd's raft leader
// (its election blocks calls for a second or two, and the margin is 1 s): leadership then moves.
const TTL = 5;
const REPLICAS = ['r1', 'r2', 'r3'] as const;

describe('high availability: 3 replicas, one leader, fenced, on a 3-member etcd @live', function () {
  this.timeout(60_000);
  const tag = randomBytes(3).toString('hex');
  const release = `ha${tag}`;
  const prefix = `/s14ha${tag}`;
  const label = jobLabel(release, 'test');
  const leaderKey = leadershipKey(prefix, label);
  let stack: StackEnv;
  let cluster: EtcdCluster;
  let startRevision = 0;
  const replicas = new Map<string, DeployerProcess>();
  /** The output of each replica process that was stopped or killed. */
  const pastOutputs: string[] = [];
  const ids: string[] = [];
  const takeovers: string[] = [];

  const start = (id: string) => {
    const env = deployerEnv(stack, release, {
      SDP_CONFIG_ENDPOINTS: cluster.endpoints,
      SDP_CONFIG_PREFIX: prefix,
      SDP_SLURMDEPLOY_REPLICA_ID: id,
      SDP_SLURMDEPLOY_LEADER_TTL: String(TTL),
      SDP_LOG_FORMAT: 'json',
    });
    delete env['SDP_CONFIG_HOST'];
    delete env['SDP_CONFIG_PORT'];
    replicas.set(id, startDeployer(env));
  };
  const retire = (id: string) => {
    pastOutputs.push(replicas.get(id)?.output() ?? '');
    replicas.delete(id);
  };
  const leader = async (): Promise<string | undefined> => (await cluster.withClient((c) => c.get(leaderKey).string())) ?? undefined;
  const put = async (count: number) => {
    const first = ids.length + 1;
    const batch = Array.from({ length: count }, (_, i) => `ha-${tag}-${String(first + i).padStart(3, '0')}`);
    ids.push(...batch);
    const value = (id: string) => JSON.stringify({ key: id, kind: 'slurm', args: { script: '#!/bin/bash\nsleep 2\n' } });
    await eventually(`${count} deployments put`, () => cluster.withClient(async (c) => (await Promise.all(batch.map((id) => c.put(`3${prefix}/deploy/${id}`).value(value(id)).exec()))).length), 20_000);
    return batch;
  };
  const statesWithJobs = async (some: readonly string[]) => {
    const kvs = await cluster.withClient((c) => c.getAll().prefix(`4${prefix}/deploy/`).strings());
    return some.filter((id) => {
      const text = kvs[`4${prefix}/deploy/${id}/state`];
      return text !== undefined && typeof (JSON.parse(text) as { job_id?: number }).job_id === 'number';
    });
  };
  const allSubmitted = (some: readonly string[], within = 40_000) =>
    eventually(`${some.length} deployments submitted`, async () => ((await statesWithJobs(some)).length === some.length ? true : undefined), within, 250);
  const linesOf = (id: string): LogLine[] => logLines(replicas.get(id)?.output() ?? '');
  const firstLine = (id: string, message: string, after: number, field?: (line: LogLine) => boolean) =>
    linesOf(id).find((l) => l.message === message && Date.parse(l.time) >= after && (field?.(l) ?? true));
  /** Waits for a leader other than `old`, and for it to submit one of `batch`: times from `t0`. */
  const takeover = async (what: string, old: string | undefined, t0: number, batch: readonly string[]) => {
    const next = await eventually('a new leader', async () => {
      const now = await leader();
      return now !== undefined && now !== old ? now : undefined;
    }, 30_000, 50);
    const became = await eventually(`${next}: became leader`, async () => firstLine(next, 'became leader', t0 - 1000), 10_000, 50);
    const acted = await eventually(`${next}: a job submitted`, async () => firstLine(next, 'job submitted', t0, (l) => batch.includes(String(l['deployment']))), 30_000, 50);
    const becameMs = Date.parse(became.time) - t0;
    const actedMs = Date.parse(acted.time) - t0;
    takeovers.push(`${what}: ${old ?? '-'} -> ${next}: leader after ${becameMs} ms, first submit after ${actedMs} ms`);
    console.log(`      takeover (${what}): ${old ?? '-'} -> ${next}: became leader after ${becameMs} ms, first submit after ${actedMs} ms (TTL ${TTL} s)`);
    return { next, becameMs, actedMs };
  };
  const pidOf = (id: string): number => {
    const pid = replicas.get(id)?.child.pid;
    if (pid === undefined) throw new Error(`no process for ${id}`);
    return pid;
  };

  before(async function () {
    this.timeout(300_000);
    stack = await startStack();
    cluster = await startEtcdCluster('ha');
    startRevision = Number((await cluster.withClient((c) => c.put(`1${prefix}`).value('start').exec())).header.revision);
    for (const id of REPLICAS) start(id);
    await eventually('a leader', leader, 30_000);
  });

  after(async function () {
    this.timeout(60_000);
    await Promise.all([...replicas.values()].map((r) => r.stop()));
    for (const job of (await slurmJobs(stack).catch(() => [])).filter((j) => j.mcs_label === label && /PENDING|RUNNING/.test(j.job_state))) {
      await fetch(`${stack.SLURM_URL}/slurm/v0.0.38/job/${job.job_id}`, {
        method: 'DELETE',
        headers: { 'X-SLURM-USER-NAME': stack.SLURM_USER, 'X-SLURM-USER-TOKEN': stack.SLURM_JWT },
      }).catch(() => undefined);
    }
    await cluster?.dispose();
    // Kept for a look after a failure: each replica process's log.
    const logs = process.env['SDP_HA_LOG_DIR'];
    if (logs !== undefined) [...pastOutputs, ...[...replicas.values()].map((r) => r.output())].forEach((text, i) => writeFileSync(`${logs}/replica-${i}.log`, text));
    if (takeovers.length > 0) console.log(`      takeovers:\n        ${takeovers.join('\n        ')}`);
  });

  it('one replica leads; the others follow and are healthy; 40 deployments are submitted once', async () => {
    await allSubmitted(await put(40));
    const holder = await leader();
    const leaders = REPLICAS.filter((id) => linesOf(id).some((l) => l.message === 'became leader'));
    expect(leaders).to.deep.equal([holder]);
    for (const id of REPLICAS.filter((r) => r !== holder)) expect(linesOf(id).some((l) => l.message === 'job submitted')).to.equal(false);
  });

  it('kill -9 of the leader: a new leader acts within TTL + 2 s; deployments put meanwhile are submitted', async () => {
    const old = await leader();
    if (old === undefined) throw new Error('no leader');
    const t0 = Date.now();
    process.kill(pidOf(old), 'SIGKILL');
    const batch = await put(15);
    const { actedMs } = await takeover('kill -9', old, t0, batch);
    expect(actedMs).to.be.below((TTL + 2) * 1000);
    await allSubmitted(batch);
    retire(old);
    start(old);
  });

  it('a leader paused for 3 x TTL steps down on waking without writing or touching Slurm', async () => {
    const old = await leader();
    if (old === undefined) throw new Error('no leader');
    const pid = pidOf(old);
    const t0 = Date.now();
    process.kill(pid, 'SIGSTOP');
    const batch = await put(15);
    try {
      const { actedMs } = await takeover('SIGSTOP', old, t0, batch);
      expect(actedMs).to.be.below((TTL + 2) * 1000);
      await sleep(Math.max(0, 3 * TTL * 1000 - (Date.now() - t0)));
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const woke = Date.now();
    await eventually(`${old}: lost leadership`, async () => firstLine(old, 'lost leadership', woke - 1000), 10_000, 50);
    await sleep(1000);
    const after = linesOf(old).filter((l) => Date.parse(l.time) >= woke - 50);
    // Outcomes of requests sent before the pause could still be heard; none may be new.
    const acts = after.filter((l) => ['job submitted', 'job cancelled', 'state written', 'state removed'].includes(l.message));
    expect(acts, 'what the woken leader did').to.deep.equal([]);
    await allSubmitted(batch);
  });

  it('a rolling restart of every replica under load loses nothing', async function () {
    this.timeout(120_000);
    const batches: string[] = [];
    const current = await leader();
    const order = [...REPLICAS.filter((id) => id !== current), ...REPLICAS.filter((id) => id === current)];
    for (const id of order) {
      const wasLeader = (await leader()) === id;
      const load = put(5);
      const t0 = Date.now();
      const code = await replicas.get(id)?.stop();
      expect(code, `${id} exit code`).to.equal(0);
      batches.push(...(await load));
      retire(id);
      if (wasLeader) {
        const next = await eventually('a new leader', async () => {
          const now = await leader();
          return now !== undefined && now !== id ? now : undefined;
        }, 20_000, 50);
        const became = await eventually(`${next}: became leader`, async () => firstLine(next, 'became leader', t0 - 1000), 10_000, 50);
        const ms = Date.parse(became.time) - t0;
        takeovers.push(`rolling restart (SIGTERM of the leader): ${id} -> ${next}: leader after ${ms} ms`);
        console.log(`      takeover (SIGTERM of the leader ${id}): ${next} leader after ${ms} ms`);
      }
      start(id);
      await eventually(`${id}: running again`, async () => (linesOf(id).some((l) => l.message === 'leader observed') ? true : undefined), 30_000);
    }
    await allSubmitted(batches);
  });

  it('killing the etcd member the leader is connected to loses no event and no write (each member in turn)', async function () {
    this.timeout(180_000);
    const holder = await leader();
    if (holder === undefined) throw new Error('no leader');
    const ports = await connectedPorts(pidOf(holder));
    console.log(`      ${holder} talks to etcd on ${ports.filter((p) => cluster.ports.includes(p)).join(', ')}`);
    // etcd3 may hold connections to every member, and which one carries the watch is its choice: each is killed in turn.
    for (const member of [1, 2, 3]) {
      const now = await leader();
      const at = Date.now();
      let putMs = 0;
      await cluster.kill(member);
      try {
        const batch = await put(5);
        putMs = Date.now() - at;
        await allSubmitted(batch, 60_000);
      } finally {
        await cluster.start(member);
      }
      const since = (message: string) => (now === undefined ? [] : linesOf(now).filter((l) => l.message === message && Date.parse(l.time) >= at));
      const lost = since('lost leadership').map((l) => String(l['reason']));
      console.log(
        `      member ${member} killed: 5 deployments put meanwhile (the put took ${putMs} ms), submitted ${Date.now() - at - putMs} ms after; leader ${now ?? '-'} -> ${(await leader()) ?? '-'}` +
          `${lost.length > 0 ? ` (${lost.join('; ')})` : ''}; ${since('Config DB resync').length} Config DB resyncs, ${since('cannot renew the leadership lease').length} failed renewals`,
      );
    }
  });

  it('in all: 100 deployments, one job each, no state write outside a term, no act by a replica that did not lead', async function () {
    this.timeout(120_000);
    expect(ids).to.have.length(100);
    await allSubmitted(ids, 60_000);
    const jobs = (await slurmJobs(stack)).filter((j) => j.mcs_label === label);
    const { duplicates, lost } = countJobs(ids, jobs.map((j) => j.name));
    const history = await cluster.withClient((c) => historyOf(c, [`4${prefix}/deploy/`, leaderKey.slice(0, leaderKey.lastIndexOf('/') + 1)], startRevision));
    const audit = auditWrites(history, leaderKey);
    const outputs = [...pastOutputs, ...[...replicas.values()].map((r) => r.output())];
    const notLeading = outputs.flatMap((text) => actsWhileNotLeading(logLines(text)));
    console.log(
      `      ${ids.length} deployments, ${jobs.length} jobs: ${duplicates.length} duplicate, ${lost.length} lost; ` +
        `${audit.writes} state writes in ${audit.terms.size} terms, ${audit.withoutLeader.length} outside a term; ${notLeading.length} acts logged while not leading`,
    );
    expect(duplicates).to.deep.equal([]);
    expect(lost).to.deep.equal([]);
    expect(audit.withoutLeader.map((e) => `${e.key}@${e.revision}`)).to.deep.equal([]);
    expect(audit.writes).to.be.greaterThan(100);
    expect(notLeading.map((l) => `${l.message} ${String(l['deployment'])} ${l.time}`)).to.deep.equal([]);
  });
});

/** The local ports a process's established TCP connections go to (ss -tnp). */
async function connectedPorts(pid: number): Promise<number[]> {
  const { stdout } = await promisify(execFile)('ss', ['-tnpH', 'state', 'established'], { timeout: 10_000 });
  const ports = new Set<number>();
  for (const line of stdout.split('\n')) {
    if (!line.includes(`pid=${pid},`)) continue;
    const peer = line.trim().split(/\s+/)[3] ?? '';
    const port = Number(peer.slice(peer.lastIndexOf(':') + 1));
    if (Number.isInteger(port)) ports.add(port);
  }
  return [...ports];
}
