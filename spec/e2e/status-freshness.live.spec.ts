// How fresh `status` is, against the local stack in a Config DB prefix of its own: the last poll
// the leader published, null exit code and reason for a running job, a row whose Config DB status
// is behind Slurm (the deployer stopped, the job ended meanwhile) and since when, the leader line
// under a watched table, and a deployment deleted during `status --watch` kept until its job ended.

import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { deploymentKey } from '../../lib/configdb/paths.js';
import type { FreshStatusRow } from '../../lib/cli/status-freshness.js';
import { deployerEnv, startDeployer, type DeployerProcess } from '../support/deployer-process.js';
import { eventually } from '../support/eventually.js';
import { removeBelow } from '../support/live-prefix.js';
import { repoRoot } from '../support/repo.js';
import { startStack } from '../support/stack.js';

const run = promisify(execFile);
const bin = path.join(repoRoot, 'bin', 'deployer');

describe('status freshness @live', function () {
  this.timeout(120_000);
  const tag = randomBytes(3).toString('hex');
  const prefix = `/fresh-${tag}`;
  const long = `long-${tag}`;
  const short = `short-${tag}`;
  let etcd: Etcd3;
  let env: Record<string, string>;
  let deployer: DeployerProcess | undefined;
  const cli = async (...args: string[]) => (await run(process.execPath, [bin, ...args], { env, timeout: 60_000 })).stdout;
  const rows = async () => JSON.parse(await cli('status', '-o', 'json')) as FreshStatusRow[];
  const put = (id: string, script: string) => etcd.put(deploymentKey(id, prefix)).value(JSON.stringify({ key: id, kind: 'slurm', args: { script } }));

  before(async () => {
    const stack = await startStack();
    etcd = new Etcd3({ hosts: `http://${stack.SDP_CONFIG_HOST}:${stack.SDP_CONFIG_PORT}` });
    env = deployerEnv(stack, `fr${tag}`, { SDP_CONFIG_PREFIX: prefix, SDP_SLURMDEPLOY_TAKEOVER_HOLD: '0', SDP_LOG_LEVEL: 'INFO' });
  });

  after(async () => {
    await deployer?.stop();
    // Its jobs: the long one cancelled by the delete below, the short one ended by itself; any left is cancelled by a deployer's delete.
    await removeBelow(etcd, prefix);
    etcd.close();
  });

  it('shows the last poll, nulls for a running job, a deleted deployment in the watch until its job ended, and the Config DB behind once the deployer stopped', async () => {
    deployer = startDeployer(env);
    await put(long, '#!/bin/bash\nsleep 300\n');
    await put(short, '#!/bin/bash\nsleep 12\n');
    const running = await eventually('both RUNNING in the Config DB', async () => {
      const now = await rows();
      return now.length === 2 && now.every((r) => r.status === 'RUNNING') ? now : undefined;
    }, 60_000);
    for (const row of running) {
      expect(row, row.deployment).to.include({ exit_code: null, reason: null, config_db_behind: false, behind_seconds: null });
      expect(row.last_poll).to.be.a('string');
      expect(row.last_poll_age_seconds).to.be.a('number').and.to.be.at.most(10);
    }

    // A watch, then the long one deleted: its row stays until its job is seen ended.
    const watch = spawn(process.execPath, [bin, 'status', '-w', '--interval', '1', '-o', 'json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    watch.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => watch.on('exit', resolve));
    try {
      const documents = () => out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as FreshStatusRow[]);
      await eventually('the first document', async () => (documents().length >= 1 ? true : undefined));
      await etcd.delete().key(deploymentKey(long, prefix));
      const ended = await eventually('the deleted deployment shown with its job ended', async () =>
        documents().flat().find((r) => r.deployment === long && r.status === null && r.reason === 'deployment deleted: its job ended (CANCELLED)'), 30_000);
      expect(ended.slurm_state).to.equal('CANCELLED');
      await eventually('the deleted deployment gone from the watch', async () => (documents().at(-1)?.some((r) => r.deployment === long) === false ? true : undefined), 10_000);
    } finally {
      watch.kill('SIGTERM');
    }
    expect(await exited).to.equal(0);

    // The deployer stops while the short job runs; it ends meanwhile: the Config DB is behind.
    expect(await deployer.stop()).to.equal(0);
    deployer = undefined;
    const behind = await eventually('the short job ended in Slurm', async () => (await rows()).find((r) => r.deployment === short && r.slurm_state === 'COMPLETED'), 40_000);
    expect(behind).to.include({ status: 'RUNNING', config_db_behind: true });
    expect(behind.behind_seconds).to.be.a('number').and.to.be.at.least(0).and.to.be.below(30);
    expect(behind.last_poll_age_seconds).to.be.a('number').and.to.be.at.least(behind.behind_seconds ?? 0);
    const table = (await cli('status')).trimEnd().split('\n');
    expect(table.find((l) => l.startsWith(short))).to.match(/ RUNNING \(behind \d+s\) /);
    expect(table.at(-2)).to.equal('leader: none');
    expect(table.at(-1)).to.match(/^last Slurm poll: \d+s ago by \S+ \(term \d+\); "behind": /);

    // A watched table keeps the leader line and the last poll.
    const watched = spawn(process.execPath, [bin, 'status', '-w', '--interval', '1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    watched.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const done = new Promise<number | null>((resolve) => watched.on('exit', resolve));
    try {
      await eventually('a watched table with its leader line', async () => (/\nleader: none\nlast Slurm poll: /.test(text) ? true : undefined), 10_000);
    } finally {
      watched.kill('SIGTERM');
    }
    expect(await done).to.equal(0);
    console.log(`      Config DB behind Slurm by ${behind.behind_seconds} s, last poll ${behind.last_poll_age_seconds} s old`);
  });
});
