import { expect } from 'chai';
import { readConfig } from '../../../lib/config/deployer-config.js';
import { reducerSettingsOf } from '../../../lib/config/reducer-settings.js';
import { MINIMAL_ENV } from '../../support/fixtures.js';

const minimal = MINIMAL_ENV;

describe('readConfig', () => {
  it('reads a minimal JWT configuration with the contract defaults', () => {
    const result = readConfig(minimal);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const c = result.config;
    expect(c.slurmUrl).to.equal('http://127.0.0.1:16820');
    expect(c.auth.method).to.equal('jwt');
    expect(c.job.label).to.equal('sdp_slurm_deployer_sdp_dp');
    expect(c.loopIntervalSeconds).to.equal(60);
    expect(c.livenessFile).to.equal('/tmp/alive');
    expect(c.logLevel).to.equal('INFO');
    expect(c.keepStateOfDeleted).to.equal(false);
    expect(c.configDb).to.deep.equal({ backend: 'etcd3', host: '127.0.0.1', port: 2379, protocol: 'http' });
  });

  it('passes SDP_SLURM_ENV_* to jobs with the prefix stripped, and the Config DB address', () => {
    const result = readConfig({ ...minimal, SDP_SLURM_ENV_FOO: 'bar', SDP_CONFIG_HOST: 'etcd', SDP_CONFIG_PORT: '12379' });
    if (!result.ok) throw new Error('unexpected');
    expect(result.config.job.extraEnvironment).to.deep.equal({ FOO: 'bar' });
    expect(result.config.job.baseEnvironment).to.include({ SDP_CONFIG_HOST: 'etcd', SDP_CONFIG_PORT: '12379' });
  });

  it('names every missing variable', () => {
    const result = readConfig({});
    expect(result.ok).to.equal(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.variable)).to.deep.equal([
      'SDP_SLURMDEPLOY_SLURM_URL',
      'SDP_SLURMDEPLOY_CLIENT_ID',
      'SDP_SLURMDEPLOY_SLURM_JWT',
      'SDP_SLURMDEPLOY_RELEASE_NAME',
      'SDP_SLURMDEPLOY_NAMESPACE',
    ]);
    expect(result.problems[2]?.problem).to.contain('SDP_SLURMDEPLOY_AZURE_URL and SDP_SLURMDEPLOY_CLIENT_SECRET');
  });

  it('takes the Entra method when no JWT is given, and names what it still lacks', () => {
    const { SDP_SLURMDEPLOY_SLURM_JWT: _jwt, ...noJwt } = minimal;
    const entra = readConfig({ ...noJwt, SDP_SLURMDEPLOY_AZURE_URL: 'https://login.example/tenant', SDP_SLURMDEPLOY_CLIENT_SECRET: 's3cr3t-value' });
    expect(entra.ok && entra.config.auth.method).to.equal('entra');
    expect(entra.ok && entra.config.auth.method === 'entra' && entra.config.auth.scope).to.equal('slurmjob/.default');
    const half = readConfig({ ...noJwt, SDP_SLURMDEPLOY_AZURE_URL: 'https://login.example/tenant' });
    expect(!half.ok && half.problems).to.have.length(1);
    expect(!half.ok && half.problems[0]?.variable).to.equal('SDP_SLURMDEPLOY_CLIENT_SECRET');
    expect(!half.ok && half.problems[0]?.problem).not.to.contain('SDP_SLURMDEPLOY_AZURE_URL and');
    const other = readConfig({ ...noJwt, SDP_SLURMDEPLOY_CLIENT_SECRET: 's3cr3t-value' });
    expect(!other.ok && other.problems.map((p) => p.variable)).to.deep.equal(['SDP_SLURMDEPLOY_AZURE_URL']);
    expect(JSON.stringify(other)).not.to.contain('s3cr3t-value');
  });

  it('reads the Entra scope, CA and URL, and refuses a URL that is not https', () => {
    const { SDP_SLURMDEPLOY_SLURM_JWT: _jwt, ...noJwt } = minimal;
    const entra = { ...noJwt, SDP_SLURMDEPLOY_AZURE_URL: 'https://login.example/tenant', SDP_SLURMDEPLOY_CLIENT_SECRET: 's3cr3t-value' };
    const full = readConfig({ ...entra, SDP_SLURMDEPLOY_AZURE_SCOPE: 'api://slurm/.default', SDP_SLURMDEPLOY_AZURE_CA: '/etc/ca.pem' });
    if (!full.ok || full.config.auth.method !== 'entra') throw new Error('unexpected');
    expect(full.config.auth).to.include({ azureUrl: 'https://login.example/tenant', scope: 'api://slurm/.default', caFile: '/etc/ca.pem' });
    const http = readConfig({ ...entra, SDP_SLURMDEPLOY_AZURE_URL: 'http://login.example/tenant' });
    expect(!http.ok && http.problems.map((p) => p.variable)).to.deep.equal(['SDP_SLURMDEPLOY_AZURE_URL']);
  });

  it('reads SDP_SLURMDEPLOY_SLURM_JWT_FILE as the JWT method, and refuses it beside SDP_SLURMDEPLOY_SLURM_JWT', () => {
    const { SDP_SLURMDEPLOY_SLURM_JWT: _jwt, ...noJwt } = minimal;
    const file = readConfig({ ...noJwt, SDP_SLURMDEPLOY_SLURM_JWT_FILE: '/run/secrets/slurm-jwt' });
    expect(file.ok && file.config.auth).to.deep.equal({ method: 'jwt-file', jwtFile: '/run/secrets/slurm-jwt' });
    const both = readConfig({ ...minimal, SDP_SLURMDEPLOY_SLURM_JWT_FILE: '/run/secrets/slurm-jwt' });
    expect(!both.ok && both.problems).to.deep.equal([
      { variable: 'SDP_SLURMDEPLOY_SLURM_JWT_FILE', problem: 'set either SDP_SLURMDEPLOY_SLURM_JWT or SDP_SLURMDEPLOY_SLURM_JWT_FILE, not both' },
    ]);
  });

  it('rejects bad values, naming the variable, and never prints a secret', () => {
    const result = readConfig({ ...minimal, SDP_SLURMDEPLOY_LOOP_INTERVAL: 'soon', SDP_LOG_LEVEL: 'LOUD', SDP_CONFIG_PASSWORD: 'etcd-pass-123' });
    expect(result.ok).to.equal(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.variable)).to.deep.equal(['SDP_SLURMDEPLOY_LOOP_INTERVAL', 'SDP_LOG_LEVEL']);
    const printed = JSON.stringify(result);
    expect(printed).not.to.contain('secret-jwt');
    expect(printed).not.to.contain('etcd-pass-123');
  });

  it('keeps secrets out of JSON and string forms of the configuration', () => {
    const result = readConfig({ ...minimal, SDP_CONFIG_PASSWORD: 'etcd-pass-123' });
    if (!result.ok) throw new Error('unexpected');
    const printed = `${JSON.stringify(result.config)} ${String(result.config.auth.method === 'jwt' && result.config.auth.jwt)}`;
    expect(printed).not.to.contain('secret-jwt');
    expect(printed).not.to.contain('etcd-pass-123');
    expect(result.config.auth.method === 'jwt' && result.config.auth.jwt.reveal()).to.equal('eyJ.secret-jwt.sig');
  });

  it('reads the leadership settings: TTL 10 s by default, a replica id only when given', () => {
    const defaults = readConfig(minimal);
    if (!defaults.ok) throw new Error('unexpected');
    expect(defaults.config.leaderTtlSeconds).to.equal(10);
    expect(defaults.config.replicaId).to.equal(undefined);
    const set = readConfig({ ...minimal, SDP_SLURMDEPLOY_LEADER_TTL: '4', SDP_SLURMDEPLOY_REPLICA_ID: 'replica-a' });
    if (!set.ok) throw new Error('unexpected');
    expect(set.config).to.include({ leaderTtlSeconds: 4, replicaId: 'replica-a' });
    for (const bad of ['1', '2.5', 'ten']) {
      const result = readConfig({ ...minimal, SDP_SLURMDEPLOY_LEADER_TTL: bad });
      expect(result.ok ? [] : result.problems.map((p) => p.variable), bad).to.deep.equal(['SDP_SLURMDEPLOY_LEADER_TTL']);
    }
  });

  it('reads SDP_SLURMDEPLOY_DEPENDENCY_WAIT in seconds (600 by default) into the reducer\'s dependency wait', () => {
    const defaults = readConfig(minimal);
    if (!defaults.ok) throw new Error('unexpected');
    expect(reducerSettingsOf(defaults.config).dependencyWaitMs).to.equal(600_000);
    const set = readConfig({ ...minimal, SDP_SLURMDEPLOY_DEPENDENCY_WAIT: '90' });
    if (!set.ok) throw new Error('unexpected');
    expect(reducerSettingsOf(set.config).dependencyWaitMs).to.equal(90_000);
    for (const bad of ['0', '-5', 'an hour']) {
      const result = readConfig({ ...minimal, SDP_SLURMDEPLOY_DEPENDENCY_WAIT: bad });
      expect(result.ok ? [] : result.problems.map((p) => p.variable), bad).to.deep.equal(['SDP_SLURMDEPLOY_DEPENDENCY_WAIT']);
    }
  });

  it('reads SDP_CONFIG_ENDPOINTS as the members of a cluster; jobs get the first as host and port', () => {
    const result = readConfig({ ...minimal, SDP_CONFIG_ENDPOINTS: 'http://10.0.0.1:2379, http://etcd-2:2379,http://[::1]:2380/' });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.config.configDb).to.deep.equal({
      backend: 'etcd3',
      host: '10.0.0.1',
      port: 2379,
      protocol: 'http',
      endpoints: ['http://10.0.0.1:2379', 'http://etcd-2:2379', 'http://[::1]:2380'],
    });
    expect(result.config.job.baseEnvironment).to.include({ SDP_CONFIG_HOST: '10.0.0.1', SDP_CONFIG_PORT: '2379' });
    const tls = readConfig({ ...minimal, SDP_CONFIG_ENDPOINTS: 'https://a:2379,https://b:2379' });
    expect(tls.ok && tls.config.configDb.protocol).to.equal('https');
  });

  it('names SDP_CONFIG_ENDPOINTS (or the protocol) when the members cannot be used', () => {
    const problems = (env: Record<string, string>) => {
      const result = readConfig({ ...minimal, ...env });
      return result.ok ? [] : result.problems.map((p) => `${p.variable}: ${p.problem}`);
    };
    expect(problems({ SDP_CONFIG_ENDPOINTS: 'etcd:2379' })).to.deep.equal(['SDP_CONFIG_ENDPOINTS: expected comma-separated URLs like http://host:2379, got "etcd:2379"']);
    expect(problems({ SDP_CONFIG_ENDPOINTS: 'http://a:2379,https://b:2379' })).to.deep.equal(['SDP_CONFIG_ENDPOINTS: mixes http and https: use one scheme for every member']);
    expect(problems({ SDP_CONFIG_ENDPOINTS: 'http://a:99999' })).to.have.length(1);
    expect(problems({ SDP_CONFIG_ENDPOINTS: 'http://a:2379', SDP_CONFIG_PROTOCOL: 'https' })).to.deep.equal(['SDP_CONFIG_PROTOCOL: is "https", but SDP_CONFIG_ENDPOINTS are http']);
  });
});
