// What `status` and `plan` print for machines and people, against the local stack, in a Config DB
// prefix of its own (no other spec's deployments show): JSON, YAML, aligned tables, a filter by
// deployment, the FAILED state of an unreadable deployment, and `status --watch`.

import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { deploymentKey, stateKey } from '../../lib/configdb/paths.js';
import type { StatusRow } from '../../lib/core/status-table.js';
import { deployerEnv, startDeployer } from '../support/deployer-process.js';
import { eventually } from '../support/eventually.js';
import { removeBelow } from '../support/live-prefix.js';
import { repoRoot } from '../support/repo.js';
import { startStack, type StackEnv } from '../support/stack.js';

const run = promisify(execFile);
const bin = path.join(repoRoot, 'bin', 'deployer');

describe('status and plan output @live', function () {
  this.timeout(120_000);
  const tag = randomBytes(3).toString('hex');
  const prefix = `/cliout-${tag}`;
  const good = `good-${tag}`;
  const bad = `bad-${tag}`;
  let stack: StackEnv;
  let etcd: Etcd3;
  let env: Record<string, string>;
  const cli = async (...args: string[]) => (await run(process.execPath, [bin, ...args], { env, timeout: 60_000 })).stdout;

  before(async function () {
    this.timeout(600_000);
    stack = await startStack();
    etcd = new Etcd3({ hosts: `http://${stack.SDP_CONFIG_HOST}:${stack.SDP_CONFIG_PORT}` });
    // No takeover hold: the deployer's first start on this prefix finds two deployments waiting
    // and would hold its first poll 3 s, which nothing here is about.
    env = deployerEnv(stack, `out${tag}`, { SDP_CONFIG_PREFIX: prefix, SDP_SLURMDEPLOY_TAKEOVER_HOLD: '0' });
  });

  after(async () => {
    await removeBelow(etcd, prefix);
    etcd.close();
  });

  it('plan -o json is [] when there is nothing to do, and the text plan an aligned table', async () => {
    expect(JSON.parse(await cli('plan', '-o', 'json'))).to.deep.equal([]);
    expect(await cli('plan')).to.equal('nothing to do\n');
    await etcd.put(deploymentKey(good, prefix)).value(JSON.stringify({ key: good, kind: 'slurm', args: { script: '#!/bin/bash\necho out\n' } }));
    const lines = (await cli('plan')).trimEnd().split('\n');
    expect(lines[0]).to.match(/^ACTION +DEPLOYMENT +DETAIL$/);
    const column = lines[0]?.indexOf('DETAIL');
    expect(lines.slice(1).map((l) => l.slice(0, column).trimEnd())).to.deep.equal([`submit  ${good}`, `state   ${good}`]);
    expect(JSON.parse(await cli('plan', '--json'))).to.have.length(2);
  });

  it('status prints JSON, YAML and tables, filters by deployment, and shows the FAILED state of an unreadable deployment', async () => {
    await etcd.put(deploymentKey(bad, prefix)).value('{"key": "not json');
    const deployer = startDeployer(env);
    try {
      await eventually('both states written', async () => {
        const [g, b] = await Promise.all([etcd.get(stateKey(good, prefix)).string(), etcd.get(stateKey(bad, prefix)).string()]);
        return g?.includes('FINISHED') && b?.includes('FAILED') ? true : undefined;
      }, 60_000);
    } finally {
      expect(await deployer.stop()).to.equal(0);
    }
    const rows = JSON.parse(await cli('status', '-o', 'json')) as StatusRow[];
    expect(rows.map((r) => [r.deployment, r.status, r.slurm_state])).to.deep.equal([
      [bad, 'FAILED', null],
      [good, 'FINISHED', 'COMPLETED'],
    ]);
    const finished = rows[1] as StatusRow;
    expect(finished.job_id).to.be.a('number');
    expect(finished.exit_code).to.equal(0);
    expect(finished.age_seconds).to.be.a('number');
    expect(rows[0]?.reason).to.contain('not valid JSON');

    const one = JSON.parse(await cli('status', good, '-o', 'json')) as StatusRow[];
    expect(one.map((r) => r.deployment)).to.deep.equal([good]);

    const yaml = await cli('status', good, '-o', 'yaml');
    expect(yaml).to.match(new RegExp(`^- deployment: ${good}\\n  job_id: ${finished.job_id}\\n  slurm_state: COMPLETED\\n  status: FINISHED\\n`));

    const table = (await cli('status')).trimEnd().split('\n');
    expect(table[0]).to.match(/^DEPLOYMENT +JOB +SLURM STATE +STATUS +AGE +REASON$/);
    expect(table[1]).to.match(new RegExp(`^${bad} +- +- +FAILED +- +value: not valid JSON`));
    const wide = (await cli('status', '-o', 'wide', good)).trimEnd().split('\n');
    expect(wide[0]).to.match(/^DEPLOYMENT +JOB +SLURM STATE +STATUS +AGE +EXIT +SUBMIT +GEN +REASON$/);
    expect(wide[1]).to.match(new RegExp(`^${good} +${finished.job_id} +COMPLETED +FINISHED +\\d+\\w* +0 +r\\d+ +1`));
    // Columns line up: every row's STATUS starts where the header's does.
    const at = table[0]?.indexOf('STATUS');
    expect(table.slice(1, -2).map((l) => l.slice(at).split(' ')[0])).to.deep.equal(['FAILED', 'FINISHED']);
    // The tables end with the replica that leads (none runs for this label here), and the last poll.
    expect(table.at(-2)).to.equal('leader: none');
    expect(table.at(-1)).to.match(/^last Slurm poll: \d+s ago by \S+ \(term \d+\)$/);
  });

  it('status --watch prints again when the Config DB changes, and ends on SIGTERM', async () => {
    const watch = spawn(process.execPath, [bin, 'status', '-w', '--interval', '1', '-o', 'json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    watch.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => watch.on('exit', resolve));
    try {
      const documents = () => out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as StatusRow[]);
      await eventually('the first document', async () => (documents().length >= 1 ? true : undefined));
      expect(documents()[0]?.map((r) => r.deployment)).to.deep.equal([bad, good]);
      const added = `added-${tag}`;
      await etcd.put(deploymentKey(added, prefix)).value(JSON.stringify({ key: added, kind: 'slurm', args: { script: '#!/bin/bash\n' } }));
      await eventually('a document with the new deployment', async () => (documents().at(-1)?.some((r) => r.deployment === added) ? true : undefined), 10_000);
      // Nothing changed meanwhile but time: no new document.
      const count = documents().length;
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(documents().length).to.equal(count);
    } finally {
      watch.kill('SIGTERM');
    }
    expect(await exited).to.equal(0);
  });
});
