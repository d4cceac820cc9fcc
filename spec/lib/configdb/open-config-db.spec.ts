import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SettingError } from '../../../lib/base/setting-error.js';
import { etcdOptionsOf, openConfigDb } from '../../../lib/configdb/open-config-db.js';
import { readConfig, type ConfigDbConfig, type Environment } from '../../../lib/config/deployer-config.js';

const DEPLOYER: Environment = {
  SDP_SLURMDEPLOY_SLURM_URL: 'http://127.0.0.1:1',
  SDP_SLURMDEPLOY_CLIENT_ID: 'slurmjob',
  SDP_SLURMDEPLOY_SLURM_JWT: 'unused',
  SDP_SLURMDEPLOY_RELEASE_NAME: 'spec',
  SDP_SLURMDEPLOY_NAMESPACE: 'open',
};
const CERTIFICATE = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIGHfake\n-----END PRIVATE KEY-----\n';

describe('openConfigDb: from SDP_CONFIG_* settings to a Config DB', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'open-config-db-'));
    await writeFile(file('ca.crt'), CERTIFICATE);
    await writeFile(file('client.crt'), CERTIFICATE);
    await writeFile(file('client.key'), KEY);
    await writeFile(file('combined.pem'), CERTIFICATE + KEY);
  });

  after(() => rm(dir, { recursive: true, force: true }));

  function settings(env: Environment): ConfigDbConfig {
    const result = readConfig({ ...DEPLOYER, ...env });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    return result.config.configDb;
  }

  function problems(env: Environment): unknown {
    const result = readConfig({ ...DEPLOYER, ...env });
    return result.ok ? [] : result.problems;
  }

  it('reads TLS files, user, password and prefix into the etcd options, never printing the password', () => {
    const config = settings({
      SDP_CONFIG_HOST: 'etcd.example',
      SDP_CONFIG_PORT: '2379',
      SDP_CONFIG_PROTOCOL: 'https',
      SDP_CONFIG_CERT: file('ca.crt'),
      SDP_CONFIG_CLIENT_CERT: file('client.crt'),
      SDP_CONFIG_CLIENT_KEY: file('client.key'),
      SDP_CONFIG_USERNAME: 'sdp',
      SDP_CONFIG_PASSWORD: 'etcd-pass-123',
      SDP_CONFIG_PREFIX: '/test-1',
    });
    const options = etcdOptionsOf(config);

    expect(options).to.deep.include({ hosts: 'https://etcd.example:2379', prefix: '/test-1', username: 'sdp' });
    expect([options.ca, options.cert, options.key].map(String)).to.deep.equal([CERTIFICATE, CERTIFICATE, KEY]);
    expect(options.password?.reveal()).to.equal('etcd-pass-123');
    expect(JSON.stringify(config)).not.to.contain('etcd-pass-123');
  });

  it('defaults to plain http, no prefix, and brackets an IPv6 host', () => {
    expect(etcdOptionsOf(settings({}))).to.deep.equal({ hosts: 'http://127.0.0.1:2379', prefix: '' });
    expect(etcdOptionsOf(settings({ SDP_CONFIG_HOST: '::1' })).hosts).to.equal('http://[::1]:2379');
  });

  it('opens the memory backend, empty', async () => {
    const db = openConfigDb(settings({ SDP_CONFIG_BACKEND: 'memory' }));
    expect(await db.listDeployments()).to.deep.equal({ revision: 0, deployments: [], invalid: [], orphanStates: [] });
    await db.close();
  });

  it('names the variable of a setting readConfig can judge', () => {
    expect(problems({ SDP_CONFIG_PREFIX: 'test/' })).to.deep.equal([
      { variable: 'SDP_CONFIG_PREFIX', problem: 'expected a path like /name (segments of [A-Za-z0-9_.-], no trailing /), got "test/"' },
    ]);
    expect(problems({ SDP_CONFIG_PROTOCOL: 'https', SDP_CONFIG_CLIENT_CERT: file('client.crt') })).to.deep.equal([
      { variable: 'SDP_CONFIG_CLIENT_KEY', problem: 'SDP_CONFIG_CLIENT_CERT and SDP_CONFIG_CLIENT_KEY go together: set both or neither' },
    ]);
    expect(problems({ SDP_CONFIG_CERT: file('ca.crt') })).to.deep.equal([
      { variable: 'SDP_CONFIG_PROTOCOL', problem: 'is http, but SDP_CONFIG_CERT, SDP_CONFIG_CLIENT_CERT or SDP_CONFIG_CLIENT_KEY is set: set it to https' },
    ]);
  });

  it('throws a SettingError naming the variable for a file that cannot be what it should', () => {
    const https = { SDP_CONFIG_PROTOCOL: 'https' };
    const failure = (env: Environment) => () => openConfigDb(settings({ ...https, ...env }));

    expect(failure({ SDP_CONFIG_CERT: file('missing.crt') })).to.throw(SettingError, `SDP_CONFIG_CERT: cannot read ${file('missing.crt')} (ENOENT)`);
    expect(failure({ SDP_CONFIG_CERT: file('combined.pem') })).to.throw(SettingError, /^SDP_CONFIG_CERT: .* holds a private key: SDP_CONFIG_CERT names the CA certificate/);
    expect(failure({ SDP_CONFIG_CLIENT_CERT: file('client.key'), SDP_CONFIG_CLIENT_KEY: file('client.key') })).to.throw(
      SettingError,
      `SDP_CONFIG_CLIENT_CERT: ${file('client.key')} holds no PEM certificate`,
    );
    expect(failure({ SDP_CONFIG_CLIENT_CERT: file('client.crt'), SDP_CONFIG_CLIENT_KEY: file('client.crt') })).to.throw(
      SettingError,
      `SDP_CONFIG_CLIENT_KEY: ${file('client.crt')} holds no PEM private key`,
    );
    // A key's content is secret: never echoed.
    try {
      failure({ SDP_CONFIG_CERT: file('combined.pem') })();
    } catch (error) {
      expect(String(error)).not.to.contain('MIGHfake');
    }
  });
});
