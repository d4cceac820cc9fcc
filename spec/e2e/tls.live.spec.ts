// TLS to the real slurmrestd through Debian's nginx (scripts/tls-proxy.sh, certificates made by
// openssl here), on Slurm 22.05 and 26.05: `node bin/deployer` trusting the CA through
// SDP_SLURMDEPLOY_SLURM_CA submits and polls over https to FINISHED; a CA that did not sign
// nginx's certificate, no CA, or a host the certificate does not name ends it with exit 2
// naming the variable and the problem, before any HTTP request; on the port that requires a
// client certificate, it runs with SDP_SLURMDEPLOY_SLURM_CLIENT_CERT and _KEY and fails without.

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { deploymentKey, deploymentsKeyPrefix, registryKeyPrefix, stateKey, statesKeyPrefix, watermarkKey } from '../../lib/configdb/paths.js';
import { deployerEnv, startDeployer } from '../support/deployer-process.js';
import { eventually } from '../support/eventually.js';
import { repoRoot } from '../support/repo.js';
import { readStackEnv, stackDir, startStack, type SlurmRelease, type StackEnv } from '../support/stack.js';
import { makeTlsCertificates, type TlsCertificates } from '../support/tls-certificates.js';

const run = promisify(execFile);
const PROXY_SCRIPT = path.join(repoRoot, 'scripts', 'tls-proxy.sh');

interface Proxy {
  /** https, nginx's certificate signed by the spec's CA, for 127.0.0.1 only. */
  readonly url: string;
  /** The same, requiring a client certificate signed by the spec's CA. */
  readonly clientCertUrl: string;
  readonly accessLog: string;
}

async function startProxy(release: SlurmRelease, certs: TlsCertificates): Promise<Proxy> {
  const dir = path.join(certs.dir, 'nginx');
  await mkdir(dir);
  await copyFile(certs.serverCertFile, path.join(dir, 'server.pem'));
  await copyFile(certs.serverKeyFile, path.join(dir, 'server.key'));
  await copyFile(certs.caFile, path.join(dir, 'client-ca.pem'));
  // The first start on a bare machine installs nginx (apt-get).
  const { stdout } = await run('bash', [PROXY_SCRIPT, 'start', release, dir], { timeout: 600_000 });
  const lines = new Map(stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const value = (name: string) => lines.get(name) ?? expect.fail(`tls-proxy.sh printed no ${name}: ${stdout}`);
  return { url: value('TLS_PROXY_URL'), clientCertUrl: value('TLS_PROXY_CLIENT_CERT_URL'), accessLog: value('TLS_PROXY_ACCESS_LOG') };
}

/** The release's stack: 22.05 started as every live spec does; a chroot release only if it is up. */
async function releaseStack(release: SlurmRelease): Promise<StackEnv | string> {
  const only = process.env['SLURM_RELEASES'];
  if (only !== undefined && only.trim() !== '' && !only.split(/[\s,]+/).includes(release)) return `SLURM_RELEASES (${only}) leaves ${release} out`;
  if (release === '22.05') return startStack();
  const file = `stack-${release}.env`;
  try {
    await access(path.join(stackDir(), file));
  } catch {
    return `${path.join(stackDir(), file)} is absent: the Slurm ${release} stack is not up (scripts/test.sh starts it)`;
  }
  return readStackEnv(file);
}

async function accessLines(proxy: Proxy): Promise<string[]> {
  const text = await readFile(proxy.accessLog, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '');
}

for (const release of ['22.05', '26.05'] as const) {
  describe(`TLS to slurmrestd ${release} through nginx @live`, function () {
    this.timeout(120_000);
    const tag = randomBytes(3).toString('hex');
    const prefix = `/tls${release.replace('.', '')}${tag}`;
    let stack: StackEnv;
    let certs: TlsCertificates | undefined;
    let proxy: Proxy | undefined;
    let etcd: Etcd3 | undefined;
    const labels: string[] = [];

    before(async function () {
      this.timeout(900_000);
      const found = await releaseStack(release);
      if (typeof found === 'string') {
        console.log(`      SKIPPED: ${found}`);
        this.skip();
      }
      // 26.05: the matrix's own user, as the deployer suite does (slurmjob's bucket may be empty).
      stack = { ...found, SLURM_USER: found.SLURM_MATRIX_USER ?? found.SLURM_USER, SLURM_JWT: found.SLURM_MATRIX_JWT ?? found.SLURM_JWT };
      etcd = new Etcd3({ hosts: `http://${stack.SDP_CONFIG_HOST}:${stack.SDP_CONFIG_PORT}` });
      certs = await makeTlsCertificates();
      proxy = await startProxy(release, certs);
    });

    after(async () => {
      if (proxy !== undefined) await run('bash', [PROXY_SCRIPT, 'stop', release], { timeout: 60_000 });
      if (etcd !== undefined) {
        await etcd.delete().prefix(deploymentsKeyPrefix(prefix));
        await etcd.delete().prefix(statesKeyPrefix(prefix));
        for (const label of labels) {
          await etcd.delete().key(watermarkKey(label, prefix));
          await etcd.delete().prefix(registryKeyPrefix(label, prefix));
        }
        etcd.close();
      }
      await certs?.remove();
    });

    const envFor = (name: string, url: string, extra: Record<string, string> = {}) => {
      const releaseName = `tls${name}${tag}`;
      labels.push(`sdp_slurm_deployer_${releaseName}_test`);
      return deployerEnv(stack, releaseName, { SDP_SLURMDEPLOY_SLURM_URL: url, SDP_CONFIG_PREFIX: prefix, SDP_SLURMDEPLOY_TAKEOVER_HOLD: '0', SDP_LOG_FORMAT: 'json', ...extra });
    };

    /** A deployment run to FINISHED by a deployer with this environment; its output. */
    const runsToFinished = async (name: string, env: Record<string, string>): Promise<string> => {
      const id = `tls-${name}-${tag}`;
      const deployer = startDeployer(env);
      // A deployer that ends (exit 2 for a setting) fails the spec at once, not after the wait.
      const exited = new Promise<never>((_, reject) => deployer.child.once('exit', (code) => reject(new Error(`the deployer exited (${code}): ${deployer.output()}`))));
      exited.catch(() => undefined);
      try {
        await etcd!.put(deploymentKey(id, prefix)).value(JSON.stringify({ key: id, kind: 'slurm', args: { script: '#!/bin/bash\ntrue\n' } }));
        const finished = eventually(`${id} FINISHED`, async () => {
          const text = await etcd!.get(stateKey(id, prefix)).string();
          const parsed = text === null ? undefined : (JSON.parse(text) as { status: string; exit_code?: number });
          return parsed?.status === 'FINISHED' ? parsed : undefined;
        }, 90_000, 250);
        const state = await Promise.race([finished, exited]);
        expect(state.exit_code).to.equal(0);
      } finally {
        const code = await deployer.stop();
        expect(code, deployer.output()).to.equal(0);
      }
      return deployer.output();
    };

    /** A deployer that must end at start: its exit code and stderr, and the requests nginx logged meanwhile. */
    const failsAtStart = async (env: Record<string, string>) => {
      const before = (await accessLines(proxy!)).length;
      const result = await run(process.execPath, [path.join(repoRoot, 'bin', 'deployer')], { env, timeout: 60_000 }).then(
        ({ stderr }) => ({ code: 0, stderr }),
        (e: { code?: number; stderr?: string }) => ({ code: e.code ?? -1, stderr: e.stderr ?? '' }),
      );
      return { ...result, requests: (await accessLines(proxy!)).slice(before) };
    };

    it('runs a deployment to FINISHED over https, trusting the CA of SDP_SLURMDEPLOY_SLURM_CA', async () => {
      const before = (await accessLines(proxy!)).length;
      const output = await runsToFinished('ca', envFor('ca', proxy!.url, { SDP_SLURMDEPLOY_SLURM_CA: certs!.caFile }));
      const requests = (await accessLines(proxy!)).slice(before);
      expect(requests.some((l) => /"POST \/slurm\/v[\d.]+\/job\/submit HTTP\/1\.1" 200 /.test(l)), requests.join('\n')).to.equal(true);
      expect(requests.some((l) => /"GET \/slurm\/v[\d.]+\/jobs?\/?(state)?[^"]*" (200|304) /.test(l)), requests.join('\n')).to.equal(true);
      expect(output).to.contain(`"slurm":"${proxy!.url}"`);
      expect(output).not.to.contain('clear text');
    });

    it('with a CA that did not sign the certificate, exits 2 naming SDP_SLURMDEPLOY_SLURM_CA and the problem, before any HTTP request', async () => {
      const result = await failsAtStart(envFor('wrongca', proxy!.url, { SDP_SLURMDEPLOY_SLURM_CA: certs!.otherCaFile }));
      expect(result.code, result.stderr).to.equal(2);
      expect(result.stderr).to.equal(
        'sdp-slurm-deployer: bad configuration\n' +
          `SDP_SLURMDEPLOY_SLURM_CA: the certificate of ${proxy!.url} is not trusted: the CA that signed it is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE); it must lead to a CA in ${certs!.otherCaFile} or among the system's roots\n`,
      );
      expect(result.requests).to.deep.equal([]);
    });

    it('with no CA, or a host the certificate does not name, exits 2 naming SDP_SLURMDEPLOY_SLURM_URL', async () => {
      const none = await failsAtStart(envFor('noca', proxy!.url));
      expect(none.code, none.stderr).to.equal(2);
      expect(none.stderr).to.contain(`SDP_SLURMDEPLOY_SLURM_URL: the certificate of ${proxy!.url} is not trusted: the CA that signed it is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE); set SDP_SLURMDEPLOY_SLURM_CA`);
      const byName = proxy!.url.replace('127.0.0.1', 'localhost');
      const mismatch = await failsAtStart(envFor('name', byName, { SDP_SLURMDEPLOY_SLURM_CA: certs!.caFile }));
      expect(mismatch.code, mismatch.stderr).to.equal(2);
      expect(mismatch.stderr).to.contain(`SDP_SLURMDEPLOY_SLURM_URL: the certificate of ${byName} is not for localhost`);
      expect(mismatch.stderr).to.contain('(ERR_TLS_CERT_ALTNAME_INVALID)');
      expect([...none.requests, ...mismatch.requests]).to.deep.equal([]);
    });

    it('where nginx requires a client certificate: runs with SDP_SLURMDEPLOY_SLURM_CLIENT_CERT and _KEY, exits 2 naming it without', async () => {
      const ca = { SDP_SLURMDEPLOY_SLURM_CA: certs!.caFile };
      await runsToFinished('client', envFor('client', proxy!.clientCertUrl, { ...ca, SDP_SLURMDEPLOY_SLURM_CLIENT_CERT: certs!.clientCertFile, SDP_SLURMDEPLOY_SLURM_CLIENT_KEY: certs!.clientKeyFile }));
      const without = await failsAtStart(envFor('nocert', proxy!.clientCertUrl, ca));
      expect(without.code, without.stderr).to.equal(2);
      expect(without.stderr).to.contain(
        `SDP_SLURMDEPLOY_SLURM_CLIENT_CERT: ${proxy!.clientCertUrl} (a TLS proxy) answered HTTP 400 "No required SSL certificate was sent": it requires a client certificate; set SDP_SLURMDEPLOY_SLURM_CLIENT_CERT and SDP_SLURMDEPLOY_SLURM_CLIENT_KEY`,
      );
      const stranger = await failsAtStart(envFor('stranger', proxy!.clientCertUrl, { ...ca, SDP_SLURMDEPLOY_SLURM_CLIENT_CERT: certs!.strangerCertFile, SDP_SLURMDEPLOY_SLURM_CLIENT_KEY: certs!.strangerKeyFile }));
      expect(stranger.code, stranger.stderr).to.equal(2);
      expect(stranger.stderr).to.contain('answered HTTP 400 "The SSL certificate error": it refused the client certificate in SDP_SLURMDEPLOY_SLURM_CLIENT_CERT');
      // nginx answered those itself: none of their requests went on to slurmrestd with a 2xx.
      expect([...without.requests, ...stranger.requests].map((l) => / (\d{3}) /.exec(l.split('"')[2] ?? '')?.[1])).to.deep.equal(['400', '400']);
    });
  });
}
