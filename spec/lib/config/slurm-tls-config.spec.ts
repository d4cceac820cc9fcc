// The TLS settings of the connection to slurmrestd: what readConfig refuses (a client certificate
// without its key, certificates for a plain http URL), and the PEM files checked at start
// (loadSlurmTls): a key in the CA file, an unreadable certificate, a key of another certificate.

import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readConfig, type ConfigProblem } from '../../../lib/config/deployer-config.js';
import { SettingError } from '../../../lib/base/setting-error.js';
import { loadSlurmTls } from '../../../lib/config/slurm-tls-files.js';
import { MINIMAL_ENV } from '../../support/fixtures.js';
import { makeTlsCertificates, type TlsCertificates } from '../../support/tls-certificates.js';

const HTTPS = { ...MINIMAL_ENV, SDP_SLURMDEPLOY_SLURM_URL: 'https://slurm.example:6820' };

function problemsOf(env: Record<string, string>): readonly ConfigProblem[] {
  const result = readConfig(env);
  return result.ok ? [] : result.problems;
}

describe('SDP_SLURMDEPLOY_SLURM_CA, _CLIENT_CERT and _CLIENT_KEY', () => {
  it('are read as paths for an https URL', () => {
    const result = readConfig({
      ...HTTPS,
      SDP_SLURMDEPLOY_SLURM_CA: '/etc/slurm-ca.pem',
      SDP_SLURMDEPLOY_SLURM_CLIENT_CERT: '/run/tls/tls.crt',
      SDP_SLURMDEPLOY_SLURM_CLIENT_KEY: '/run/tls/tls.key',
    });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.config.slurmTls).to.deep.equal({ caFile: '/etc/slurm-ca.pem', client: { certFile: '/run/tls/tls.crt', keyFile: '/run/tls/tls.key' } });
    const caOnly = readConfig({ ...HTTPS, SDP_SLURMDEPLOY_SLURM_CA: '/etc/slurm-ca.pem' });
    expect(caOnly.ok && caOnly.config.slurmTls).to.deep.equal({ caFile: '/etc/slurm-ca.pem' });
  });

  it('none set: no TLS settings at all', () => {
    const result = readConfig(HTTPS);
    expect(result.ok && 'slurmTls' in result.config).to.equal(false);
  });

  it('a client certificate without its key (or the reverse) names the one missing', () => {
    expect(problemsOf({ ...HTTPS, SDP_SLURMDEPLOY_SLURM_CLIENT_CERT: '/run/tls/tls.crt' })).to.deep.equal([
      { variable: 'SDP_SLURMDEPLOY_SLURM_CLIENT_KEY', problem: 'SDP_SLURMDEPLOY_SLURM_CLIENT_CERT and SDP_SLURMDEPLOY_SLURM_CLIENT_KEY go together: set both or neither' },
    ]);
    expect(problemsOf({ ...HTTPS, SDP_SLURMDEPLOY_SLURM_CLIENT_KEY: '/run/tls/tls.key' }).map((p) => p.variable)).to.deep.equal(['SDP_SLURMDEPLOY_SLURM_CLIENT_CERT']);
  });

  it('set for a plain http URL: refused, naming the URL and what would go unused', () => {
    const env = { ...MINIMAL_ENV, SDP_SLURMDEPLOY_SLURM_URL: 'http://slurm.example:6820', SDP_SLURMDEPLOY_SLURM_CA: '/etc/slurm-ca.pem' };
    expect(problemsOf(env)).to.deep.equal([
      { variable: 'SDP_SLURMDEPLOY_SLURM_URL', problem: 'is plain http, but SDP_SLURMDEPLOY_SLURM_CA is set, which only https uses: use an https:// URL' },
    ]);
    const both = problemsOf({ ...env, SDP_SLURMDEPLOY_SLURM_CLIENT_CERT: '/c', SDP_SLURMDEPLOY_SLURM_CLIENT_KEY: '/k' });
    expect(both.map((p) => p.problem)).to.deep.equal([
      'is plain http, but SDP_SLURMDEPLOY_SLURM_CA and SDP_SLURMDEPLOY_SLURM_CLIENT_CERT and SDP_SLURMDEPLOY_SLURM_CLIENT_KEY are set, which only https uses: use an https:// URL',
    ]);
  });
});

describe('loadSlurmTls: the PEM files at start', function () {
  this.timeout(20_000);
  let certs: TlsCertificates;
  const file = (name: string) => path.join(certs.dir, name);
  const settingError = (load: () => unknown): SettingError => {
    try {
      load();
    } catch (error) {
      expect(error).to.be.instanceOf(SettingError);
      return error as SettingError;
    }
    throw new Error('no SettingError');
  };

  before(async () => {
    certs = await makeTlsCertificates();
    const ca = await readFile(certs.caFile, 'utf8');
    const other = await readFile(certs.otherCaFile, 'utf8');
    await writeFile(file('two-cas.pem'), `${ca}${other}`);
    await writeFile(file('ca-and-key.pem'), `${ca}${await readFile(certs.clientKeyFile, 'utf8')}`);
    // A second block whose base64 is no certificate: OpenSSL would skip it silently.
    await writeFile(file('ca-and-garbage.pem'), `${ca}-----BEGIN CERTIFICATE-----\nTUlJQm5vdCBhIGNlcnRpZmljYXRl\n-----END CERTIFICATE-----\n`);
  });

  after(async () => certs?.remove());

  it('reads a CA file of several certificates, and a client certificate with its key', async () => {
    const material = loadSlurmTls({ caFile: file('two-cas.pem'), client: { certFile: certs.clientCertFile, keyFile: certs.clientKeyFile } });
    expect(material?.ca?.file).to.equal(file('two-cas.pem'));
    expect(material?.ca?.pem.toString()).to.equal(await readFile(file('two-cas.pem'), 'utf8'));
    expect(material?.client?.cert.toString()).to.equal(await readFile(certs.clientCertFile, 'utf8'));
    expect(loadSlurmTls(undefined)).to.equal(undefined);
  });

  it('refuses a CA file holding a private key, without printing it', async () => {
    const error = settingError(() => loadSlurmTls({ caFile: file('ca-and-key.pem') }));
    expect(error.variable).to.equal('SDP_SLURMDEPLOY_SLURM_CA');
    expect(error.problem).to.contain('holds a private key');
    expect(error.message).not.to.contain('PRIVATE KEY-----');
  });

  it('refuses a CA file with a certificate that cannot be read, saying which', () => {
    const error = settingError(() => loadSlurmTls({ caFile: file('ca-and-garbage.pem') }));
    expect(error.problem).to.equal(`certificate 2 of 2 in ${file('ca-and-garbage.pem')} cannot be read (not a valid PEM certificate)`);
  });

  it('refuses a missing file, a key that is no key, and a key of another certificate', () => {
    expect(settingError(() => loadSlurmTls({ caFile: file('none.pem') }))).to.include({ variable: 'SDP_SLURMDEPLOY_SLURM_CA', problem: `cannot read ${file('none.pem')} (ENOENT)` });
    const noKey = settingError(() => loadSlurmTls({ client: { certFile: certs.clientCertFile, keyFile: certs.clientCertFile } }));
    expect(noKey).to.include({ variable: 'SDP_SLURMDEPLOY_SLURM_CLIENT_KEY', problem: `${certs.clientCertFile} holds no PEM private key` });
    const wrongKey = settingError(() => loadSlurmTls({ client: { certFile: certs.clientCertFile, keyFile: certs.strangerKeyFile } }));
    expect(wrongKey).to.include({
      variable: 'SDP_SLURMDEPLOY_SLURM_CLIENT_KEY',
      problem: `${certs.strangerKeyFile} is not the key of the certificate in ${certs.clientCertFile} (SDP_SLURMDEPLOY_SLURM_CLIENT_CERT)`,
    });
  });
});
