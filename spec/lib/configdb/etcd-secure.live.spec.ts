// The Config DB opened from SDP_CONFIG_* settings against a private etcd secured as a production one
// (scripts/etcd-secure.sh): TLS with its own CA, a client certificate required, user and password.

import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Range } from 'etcd3';
import type { ConfigDb } from '../../../lib/configdb/config-db.js';
import { SettingError } from '../../../lib/base/setting-error.js';
import { openConfigDb } from '../../../lib/configdb/open-config-db.js';
import { deploymentKey, deploymentsKeyPrefix, keyOfPath, stateKey, statesKeyPrefix } from '../../../lib/configdb/paths.js';
import { describeProblems, readConfig, type ConfigDbConfig, type Environment } from '../../../lib/config/deployer-config.js';
import { startPrivateEtcd, type PrivateEtcd } from '../../support/private-etcd.js';
import { startStack } from '../../support/stack.js';
import { describeConfigDbBehaviour, type ConfigDbHarness } from './config-db-behaviour.js';

/** What readConfig needs besides the Config DB. */
const DEPLOYER: Environment = {
  SDP_SLURMDEPLOY_SLURM_URL: 'http://127.0.0.1:1',
  SDP_SLURMDEPLOY_CLIENT_ID: 'slurmjob',
  SDP_SLURMDEPLOY_SLURM_JWT: 'unused',
  SDP_SLURMDEPLOY_RELEASE_NAME: 'spec',
  SDP_SLURMDEPLOY_NAMESPACE: 'secure',
};

describe('Config DB over TLS with a user and a client certificate @live', function () {
  this.timeout(30_000);
  let etcd: PrivateEtcd;
  let prefixes = 0;

  before(async function () {
    this.timeout(600_000);
    await startStack(); // installs etcd when missing
    etcd = await startPrivateEtcd('secure', { clientCertAuth: true });
  });

  after(async () => {
    await etcd?.dispose();
  });

  /** The settings as the deployer reads them: the env file of the private etcd, then overrides. */
  function settings(overrides: Environment = {}): ConfigDbConfig {
    const result = readConfig({ ...DEPLOYER, ...etcd.env, ...overrides });
    if (!result.ok) throw new Error(describeProblems(result.problems));
    return result.config.configDb;
  }

  async function failureOf(call: () => Promise<unknown>): Promise<Error> {
    let failure: unknown;
    await call().then(
      () => undefined,
      (e: unknown) => (failure = e),
    );
    expect(failure).to.be.instanceOf(Error);
    return failure as Error;
  }

  function expectNoPassword(error: Error, ...passwords: string[]): void {
    for (const password of [etcd.env['SDP_CONFIG_PASSWORD'] ?? '', etcd.env['ETCD_SECURE_ROOT_PASSWORD'] ?? '', ...passwords]) {
      expect(password).not.to.equal('');
      expect(error.message).not.to.contain(password);
      expect(String(error.stack)).not.to.contain(password);
    }
  }

  describeConfigDbBehaviour('etcd over TLS as user sdp, below SDP_CONFIG_PREFIX', async (): Promise<ConfigDbHarness> => {
    const prefix = `/spec-secure-${++prefixes}`;
    const config = settings({ SDP_CONFIG_PREFIX: prefix });
    expect(config).to.include({ protocol: 'https', username: 'sdp', prefix });
    const db = openConfigDb(config, { timeoutMs: 5000 });
    const root = etcd.root;
    const put = async (key: string, text: string) => Number((await root.put(key).value(text).exec()).header.revision);
    return {
      db,
      putDeployment: (id, value) => put(deploymentKey(id, prefix), JSON.stringify(value, null, 2)),
      putPath: (path, text) => put(keyOfPath(`${prefix}${path}`), text),
      deleteDeployment: async (id) => {
        const children = Range.prefix(`${statesKeyPrefix(prefix)}${id}/`);
        const response = await root.kv.txn({
          success: [
            { request_delete_range: { key: Buffer.from(deploymentKey(id, prefix)) } },
            { request_delete_range: { key: children.start, range_end: children.end } },
          ],
        });
        return Number(response.header.revision);
      },
      readState: async (id) => (await root.get(stateKey(id, prefix)).string()) ?? undefined,
      dispose: async () => {
        await db.close();
        await root.delete().prefix(deploymentsKeyPrefix(prefix)).exec();
        await root.delete().prefix(statesKeyPrefix(prefix)).exec();
      },
    };
  });

  describe('settings that cannot work', () => {
    const dbs: ConfigDb[] = [];
    const open = (overrides: Environment): ConfigDb => {
      const db = openConfigDb(settings(overrides), { timeoutMs: 5000 });
      dbs.push(db);
      return db;
    };
    afterEach(async () => {
      await Promise.all(dbs.splice(0).map((db) => db.close()));
    });

    it('a wrong password: etcd refuses it, and the message shows no password', async () => {
      const wrong = `wrong-${randomBytes(8).toString('hex')}`;
      const db = open({ SDP_CONFIG_PASSWORD: wrong });
      const errors = [await failureOf(() => db.listDeployments()), await failureOf(() => db.writeState('x', { status: 'PENDING' }))];

      expect(errors.map((e) => e.message)).to.deep.equal([
        'etcd list deployments failed: 3 INVALID_ARGUMENT: etcdserver: authentication failed, invalid user ID or password',
        'etcd write state of x failed: 3 INVALID_ARGUMENT: etcdserver: authentication failed, invalid user ID or password',
      ]);
      for (const error of errors) expectNoPassword(error, wrong);
    });

    it('no SDP_CONFIG_CERT: the failure says that etcd\'s certificate needs that CA', async () => {
      const error = await failureOf(() => open({ SDP_CONFIG_CERT: undefined }).listDeployments());
      expect(error.message).to.match(/^etcd list deployments failed: 14 UNAVAILABLE: .*\[127\.0\.0\.1:[0-9]+: TLS: unable to verify the first certificate: set SDP_CONFIG_CERT to the CA certificate that signed etcd's certificate\]$/);
      expectNoPassword(error);
    });

    it('SDP_CONFIG_CERT naming another certificate: the failure names it', async () => {
      const other = etcd.env['SDP_CONFIG_CLIENT_CERT'] ?? '';
      const error = await failureOf(() => open({ SDP_CONFIG_CERT: other }).listDeployments());
      expect(error.message).to.contain(`: SDP_CONFIG_CERT (${other}) is not the CA that signed etcd's certificate]`);
      expectNoPassword(error);
    });

    it('SDP_CONFIG_CERT naming a missing file: openConfigDb throws, naming the variable and the path', () => {
      expect(() => open({ SDP_CONFIG_CERT: '/nonexistent/ca.crt' })).to.throw(SettingError, 'SDP_CONFIG_CERT: cannot read /nonexistent/ca.crt (ENOENT)');
    });

    it('no client certificate where etcd requires one: the failure asks for SDP_CONFIG_CLIENT_CERT', async () => {
      const db = open({ SDP_CONFIG_CLIENT_CERT: undefined, SDP_CONFIG_CLIENT_KEY: undefined });
      const error = await failureOf(() => db.watchDeployments(0, { change: () => undefined, lost: () => undefined }));
      expect(error.message).to.match(/\[127\.0\.0\.1:[0-9]+: TLS: .*bad certificate: etcd wants a client certificate: set SDP_CONFIG_CLIENT_CERT and SDP_CONFIG_CLIENT_KEY\]$/);
      expectNoPassword(error);
    });
  });
});
