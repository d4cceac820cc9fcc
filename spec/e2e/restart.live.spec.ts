// The only replica killed -9 and started again with the same replica id (a container restart in
// its pod), on the local stack (Slurm 22.05 and etcd), several times: it takes back its own
// leadership record at once instead of waiting out its lease (TTL 10 s), and a deployment put
// right after the restart is submitted within 2 s of it. In all: one job per deployment, no state
// write outside a term, nothing done by a process while it did not lead; the figures are printed.
// Then a second live process with the same id (a duplicated id): never two leaders.

import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { leadershipKey } from '../../lib/configdb/leader-election.js';
import { deploymentKey, statesKeyPrefix } from '../../lib/configdb/paths.js';
import { jobLabel } from '../../lib/config/job-label.js';
import { deployerEnv, startDeployer, type DeployerProcess } from '../support/deployer-process.js';
import { eventually } from '../support/eventually.js';
import { livePrefix, removeBelow } from '../support/live-prefix.js';
import { actsWhileNotLeading, auditWrites, countJobs, historyOf, logLines, type LogLine } from '../support/leadership-history.js';
import { slurmJobs } from '../support/slurm-direct.js';
import { startStack, type StackEnv } from '../support/stack.js';

const TTL = 10;
const RESTARTS = 5;
const REPLICA = 'solo-0';

describe('crash-restart of the only replica with the same replica id @live', function () {
  this.timeout(120_000);
  const tag = randomBytes(3).toString('hex');
  const release = `rs${tag}`;
  const prefix = livePrefix(`restart-${tag}`);
  const label = jobLabel(release, 'test');
  const leaderKey = leadershipKey(prefix, label);
  let stack: StackEnv;
  let etcd: Etcd3;
  let startRevision = 0;
  let current: DeployerProcess | undefined;
  const outputs: string[] = [];
  const ids: string[] = [];
  const figures: string[] = [];

  const start = () => {
    current = startDeployer(deployerEnv(stack, release, { SDP_CONFIG_PREFIX: prefix, SDP_SLURMDEPLOY_REPLICA_ID: REPLICA, SDP_SLURMDEPLOY_LEADER_TTL: String(TTL), SDP_LOG_FORMAT: 'json' }));
    return current;
  };
  const put = async () => {
    const id = `rs-${tag}-${String(ids.length + 1).padStart(2, '0')}`;
    ids.push(id);
    await etcd.put(deploymentKey(id, prefix)).value(JSON.stringify({ key: id, kind: 'slurm', args: { script: '#!/bin/bash\nsleep 2\n' } }));
    return id;
  };
  const line = (deployer: DeployerProcess, message: string, match: (l: LogLine) => boolean = () => true) =>
    eventually(message, async () => logLines(deployer.output()).find((l) => l.message === message && match(l)), 30_000, 20);
  const submitted = (deployer: DeployerProcess, id: string) => line(deployer, 'job submitted', (l) => l['deployment'] === id);

  before(async function () {
    this.timeout(300_000);
    stack = await startStack();
    etcd = new Etcd3({ hosts: `http://${stack.SDP_CONFIG_HOST}:${stack.SDP_CONFIG_PORT}` });
    startRevision = Number((await etcd.kv.range({ key: Buffer.from(deploymentKey('none', prefix)) })).header.revision);
  });

  after(async function () {
    this.timeout(60_000);
    await current?.stop();
    for (const job of (await slurmJobs(stack).catch(() => [])).filter((j) => j.mcs_label === label && /PENDING|RUNNING/.test(j.job_state))) {
      await fetch(`${stack.SLURM_URL}/slurm/v0.0.38/job/${job.job_id}`, {
        method: 'DELETE',
        headers: { 'X-SLURM-USER-NAME': stack.SLURM_USER, 'X-SLURM-USER-TOKEN': stack.SLURM_JWT },
      }).catch(() => undefined);
    }
    // Every key of this run's prefix, and nothing else.
    await removeBelow(etcd, prefix);
    etcd.close();
    if (figures.length > 0) console.log(`      restarts:\n        ${figures.join('\n        ')}`);
  });

  it(`kill -9 and restart with the same id, ${RESTARTS} times: a deployment put after each restart is submitted within 2 s of it`, async () => {
    const first = start();
    await line(first, 'became leader');
    await submitted(first, await put());
    for (let round = 1; round <= RESTARTS; round += 1) {
      const old = current;
      if (old === undefined) throw new Error('no process');
      const previousTerm = Number((await line(old, 'became leader'))['term']);
      old.child.kill('SIGKILL');
      await new Promise((resolve) => old.child.once('exit', resolve));
      outputs.push(old.output());
      const t0 = Date.now();
      const restarted = start();
      const id = await put();
      const took = await line(restarted, 'took back the leadership record of this replica id');
      const became = await line(restarted, 'became leader');
      const job = await submitted(restarted, id);
      const leadMs = Date.parse(became.time) - t0;
      const submitMs = Date.parse(job.time) - t0;
      // Where the time goes: most of it is node loading its modules, before the first log line.
      if (process.env['SDP_RESTART_TIMELINE'] !== undefined) for (const l of logLines(restarted.output())) console.log(`        ${Date.parse(l.time) - t0} ms ${l.message}`);
      figures.push(`restart ${round}: took back term ${String(took['previousTerm'])}, leads term ${String(became['term'])} after ${leadMs} ms, submitted ${id} after ${submitMs} ms`);
      expect(Number(took['previousTerm'])).to.equal(previousTerm);
      expect(Number(became['term'])).to.be.greaterThan(previousTerm);
      expect(submitMs).to.be.below(2000);
    }
  });

  it('a second live process with the same id (a duplicated id): it leads in a new term, the first steps down, warns and follows', async () => {
    const first = current;
    if (first === undefined) throw new Error('no process');
    const firstTerm = Number((await line(first, 'became leader'))['term']);
    const at = new Date().toISOString();
    const t0 = Date.now();
    const second = start();
    const became = await line(second, 'became leader');
    expect(Number(became['term'])).to.be.greaterThan(firstTerm);
    const since = (l: LogLine) => l.time >= at;
    const lost = await line(first, 'lost leadership', since);
    expect(Number(lost['term'])).to.equal(firstTerm);
    const warned = await line(first, 'another process leads with this replica id: give each replica its own SDP_SLURMDEPLOY_REPLICA_ID', since);
    expect(Number(warned['term'])).to.equal(Number(became['term']));
    const batch = [await put(), await put(), await put()];
    for (const id of batch) await submitted(second, id);
    // Long enough for the first to campaign many times (every 500 ms): it never takes it back.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(logLines(first.output()).filter((l) => l.message === 'became leader' && since(l))).to.deep.equal([]);
    expect(logLines(first.output()).filter((l) => l.message === 'job submitted' && since(l))).to.deep.equal([]);
    await first.stop();
    outputs.push(first.output());
    figures.push(`duplicated id: the second process led after ${Date.parse(became.time) - t0} ms; the first stepped down after ${Date.parse(lost.time) - t0} ms`);
  });

  it('in all: one job per deployment, no state write outside a term, nothing done while not leading', async () => {
    const jobs = (await slurmJobs(stack)).filter((j) => j.mcs_label === label);
    const { duplicates, lost } = countJobs(ids, jobs.map((j) => j.name));
    const history = await historyOf(etcd, [statesKeyPrefix(prefix), leaderKey.slice(0, leaderKey.lastIndexOf('/') + 1)], startRevision);
    const audit = auditWrites(history, leaderKey);
    const all = [...outputs, current?.output() ?? ''];
    const notLeading = all.flatMap((text) => actsWhileNotLeading(logLines(text)));
    console.log(`      ${ids.length} deployments, ${jobs.length} jobs: ${duplicates.length} duplicate, ${lost.length} lost; ${audit.writes} state writes in ${audit.terms.size} terms, ${audit.withoutLeader.length} outside a term`);
    expect(duplicates).to.deep.equal([]);
    expect(lost).to.deep.equal([]);
    expect(audit.withoutLeader.map((e) => `${e.key}@${e.revision}`)).to.deep.equal([]);
    expect(audit.terms.size).to.equal(RESTARTS + 2);
    expect(notLeading.map((l) => `${l.message} ${String(l['deployment'])} ${l.time}`)).to.deep.equal([]);
  });
});
