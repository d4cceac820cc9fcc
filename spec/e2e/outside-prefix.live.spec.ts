// The local stack's etcd is a developer's too: keys put outside a live spec's Config DB prefix (a
// deployment of kind slurm and its state at the root, another entity, a prefix that merely starts
// with the same characters) come through a live run untouched: the deployer, `status` and `plan`
// keep to SDP_CONFIG_PREFIX, and the specs' clean-up (removeBelow) deletes below it only.

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { deploymentKey, stateKey } from '../../lib/configdb/paths.js';
import type { StatusRow } from '../../lib/core/status-table.js';
import { deployerEnv, startDeployer } from '../support/deployer-process.js';
import { eventually } from '../support/eventually.js';
import { livePrefix, removeBelow } from '../support/live-prefix.js';
import { repoRoot } from '../support/repo.js';
import { jobsNamed } from '../support/slurm-direct.js';
import { startStack, type StackEnv } from '../support/stack.js';

const run = promisify(execFile);
const bin = path.join(repoRoot, 'bin', 'deployer');

describe('a live run and the keys outside its Config DB prefix @live', function () {
  this.timeout(120_000);
  const tag = randomBytes(3).toString('hex');
  const prefix = livePrefix(`outside-${tag}`);
  const mine = `mine-${tag}`;
  const theirs = `dev-${tag}`;
  const script = '#!/bin/bash\ntrue\n';
  /** A developer's keys: what a deployer or a clean-up that ignored the prefix would touch. */
  const developers = new Map([
    [deploymentKey(theirs), JSON.stringify({ key: theirs, kind: 'slurm', args: { script } })],
    [stateKey(theirs), JSON.stringify({ status: 'PENDING' })],
    [`1/other-entity-${tag}`, 'another application'],
    [deploymentKey(theirs, `${prefix}x`), JSON.stringify({ key: theirs, kind: 'slurm', args: { script } })],
  ]);
  const revisions = new Map<string, string>();
  let stack: StackEnv;
  let etcd: Etcd3;
  let env: Record<string, string>;
  const cli = async (...args: string[]) => (await run(process.execPath, [bin, ...args], { env, timeout: 60_000 })).stdout;
  const below = async (where: string) => {
    const depth = [...where].filter((c) => c === '/').length;
    const ranges = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((d) => etcd.getAll().prefix(`${depth + d}${where}/`).keys()));
    return ranges.flat();
  };

  before(async function () {
    this.timeout(600_000);
    stack = await startStack();
    etcd = new Etcd3({ hosts: `http://${stack.SDP_CONFIG_HOST}:${stack.SDP_CONFIG_PORT}` });
    for (const [key, value] of developers) {
      const put = await etcd.put(key).value(value).exec();
      revisions.set(key, put.header.revision);
    }
    env = deployerEnv(stack, `op${tag}`, { SDP_CONFIG_PREFIX: prefix, SDP_SLURMDEPLOY_TAKEOVER_HOLD: '0' });
  });

  after(async () => {
    for (const key of developers.keys()) await etcd?.delete().key(key);
    etcd?.close();
  });

  it('the deployer, status and plan see and write only the deployments below the prefix', async () => {
    await etcd.put(deploymentKey(mine, prefix)).value(JSON.stringify({ key: mine, kind: 'slurm', args: { script } }));
    const deployer = startDeployer(env);
    try {
      await eventually(`${mine} FINISHED`, async () => ((await etcd.get(stateKey(mine, prefix)).string())?.includes('FINISHED') === true ? true : undefined), 60_000);
      const rows = JSON.parse(await cli('status', '-o', 'json')) as StatusRow[];
      expect(rows.map((r) => [r.deployment, r.status])).to.deep.equal([[mine, 'FINISHED']]);
      expect(JSON.parse(await cli('plan', '-o', 'json'))).to.deep.equal([]);
      await etcd.delete().key(deploymentKey(mine, prefix));
      await eventually(`${mine}'s state removed`, async () => ((await etcd.get(stateKey(mine, prefix)).string()) === null ? true : undefined), 60_000);
    } finally {
      expect(await deployer.stop()).to.equal(0);
    }
    expect(await jobsNamed(stack, theirs)).to.deep.equal([]);
    expect(await below(prefix), 'the deployer keeps its marks below the prefix').not.to.deep.equal([]);
  });

  it('the clean-up leaves nothing below the prefix, and every key outside it as it was', async () => {
    await removeBelow(etcd, prefix);
    expect(await below(prefix)).to.deep.equal([]);
    for (const [key, value] of developers) {
      const kv = (await etcd.get(key).exec()).kvs[0];
      expect(kv?.value.toString(), key).to.equal(value);
      expect(kv?.mod_revision, `${key} was not written again`).to.equal(revisions.get(key));
    }
  });
});
