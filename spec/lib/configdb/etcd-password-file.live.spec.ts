// SDP_CONFIG_PASSWORD_FILE against a private secured etcd (scripts/etcd-secure.sh): user sdp's
// password is changed in etcd (as root), so etcd refuses the one in the file; the file is then
// rewritten, as Kubernetes does a mounted Secret, and the same clients (the Config DB's, a watch's,
// one made as the leader election makes its own) work again without being opened anew.

import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import type { ConfigDb, DeploymentChange } from '../../../lib/configdb/config-db.js';
import { clientOptions } from '../../../lib/configdb/etcd-config-db.js';
import { etcdOptionsOf, openConfigDb } from '../../../lib/configdb/open-config-db.js';
import { deploymentKey, deploymentsKeyPrefix, stateKey, statesKeyPrefix } from '../../../lib/configdb/paths.js';
import { describeProblems, readConfig, type ConfigDbConfig } from '../../../lib/config/deployer-config.js';
import { eventually } from '../../support/eventually.js';
import { startPrivateEtcd, type PrivateEtcd } from '../../support/private-etcd.js';
import { startStack } from '../../support/stack.js';

describe('Config DB with SDP_CONFIG_PASSWORD_FILE, the password changed in etcd @live', function () {
  this.timeout(60_000);
  const prefix = '/spec-password-file';
  let etcd: PrivateEtcd;
  let dir: string;
  let passwordFile: string;
  let config: ConfigDbConfig;
  let db: ConfigDb | undefined;
  let election: Etcd3 | undefined;
  const passwords: string[] = [];

  before(async function () {
    this.timeout(600_000);
    await startStack(); // installs etcd when missing
    etcd = await startPrivateEtcd('password-file');
    dir = await mkdtemp(path.join(tmpdir(), 'sdp-password-file-'));
    passwordFile = path.join(dir, 'password');
    const first = etcd.env['SDP_CONFIG_PASSWORD'] ?? '';
    passwords.push(first, etcd.env['ETCD_SECURE_ROOT_PASSWORD'] ?? '');
    await writeFile(passwordFile, `${first}\n`, { mode: 0o600 });
    const { SDP_CONFIG_PASSWORD: _given, ...env } = etcd.env;
    const result = readConfig({
      SDP_SLURMDEPLOY_SLURM_URL: 'http://127.0.0.1:1',
      SDP_SLURMDEPLOY_CLIENT_ID: 'slurmjob',
      SDP_SLURMDEPLOY_SLURM_JWT: 'unused',
      SDP_SLURMDEPLOY_RELEASE_NAME: 'spec',
      SDP_SLURMDEPLOY_NAMESPACE: 'password-file',
      ...env,
      SDP_CONFIG_PASSWORD_FILE: passwordFile,
      SDP_CONFIG_PREFIX: prefix,
    });
    if (!result.ok) throw new Error(describeProblems(result.problems));
    config = result.config.configDb;
  });

  after(async () => {
    await db?.close();
    election?.close();
    await etcd?.dispose();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('refused after the change, taken up from the rewritten file by the same clients, the passwords in no message', async () => {
    db = openConfigDb(config, { timeoutMs: 5000, watchReconnectMaxMs: 500 });
    // Its own client, as streams/leadership/replica-leadership.ts makes one for the election.
    election = new Etcd3(clientOptions(etcdOptionsOf(config), 5000));
    const changes: DeploymentChange[] = [];
    const lost: string[] = [];
    const root = etcd.root;
    const put = (id: string) => root.put(deploymentKey(id, prefix)).value(JSON.stringify({ key: id, kind: 'slurm', args: {} })).exec();
    const watched = (id: string) => eventually(`the watch to see ${id}`, async () => (changes.some((c) => c.type === 'put' && c.deployment.id === id) ? true : undefined), 10_000);

    await put('before');
    const listing = await db.listDeployments();
    expect(listing.deployments.map((d) => d.id)).to.deep.equal(['before']);
    const watch = await db.watchDeployments(listing.revision, { change: (c) => changes.push(c), lost: (reason) => lost.push(reason) });
    expect(await election.get(deploymentKey('before', prefix)).string()).to.not.equal(null);

    // The operator rotates the password: etcd first.
    const second = `rotated-${randomBytes(12).toString('hex')}`;
    passwords.push(second);
    await root.user('sdp').setPassword(second);
    const refusals = await Promise.all([
      db.listDeployments().then(() => 'accepted', (e: Error) => e.message),
      db.writeState('before', { status: 'PENDING' }).then(() => 'accepted', (e: Error) => e.message),
      election.get(deploymentKey('before', prefix)).string().then(() => 'accepted', (e: Error) => e.message),
    ]);
    console.log(`      with the old password: ${refusals.join(' | ')}`);
    expect(refusals[0]).to.equal('etcd list deployments failed: 3 INVALID_ARGUMENT: etcdserver: authentication failed, invalid user ID or password');
    expect(refusals[1]).to.match(/^etcd write state of before failed: .*authentication failed, invalid user ID or password$/);
    expect(refusals[2]).to.match(/authentication failed, invalid user ID or password$/);

    // Then the Secret: the file is rewritten (with a newline), and nothing is reopened.
    const rewrittenAt = Date.now();
    await writeFile(passwordFile, `${second}\n`);
    const listed = await db.listDeployments();
    expect(listed.deployments.map((d) => d.id)).to.deep.equal(['before']);
    expect(await db.writeState('before', { status: 'PENDING' })).to.equal('written');
    expect(await root.get(stateKey('before', prefix)).string()).to.contain('PENDING');
    expect(await election.get(deploymentKey('before', prefix)).string()).to.not.equal(null);
    console.log(`      the same clients work again ${Date.now() - rewrittenAt} ms after the file was rewritten`);

    // The watch opened before the change: still delivering, or lost and reopened as the deployer does.
    await put('after');
    if (lost.length === 0) {
      await watched('after');
    } else {
      await watch.close();
      const again = await db.listDeployments();
      expect(again.deployments.map((d) => d.id)).to.have.members(['before', 'after']);
    }
    console.log(`      the watch across the change: ${lost.length === 0 ? 'kept' : `lost (${lost[0]}), reopened`}`);
    await watch.close();

    for (const message of [...refusals, ...lost]) for (const password of passwords) expect(message).not.to.contain(password);
    await root.delete().prefix(deploymentsKeyPrefix(prefix)).exec();
    await root.delete().prefix(statesKeyPrefix(prefix)).exec();
  });
});
