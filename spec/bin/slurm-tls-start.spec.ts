// `node bin/deployer` at start, against local servers (no Slurm needed): a certificate it cannot
// trust ends it with exit 2 and the variable to change, before any request reaches the server;
// a token about to go over plain http to another host gets one WARNING, loopback none.

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { startDeployer, type DeployerProcess } from '../support/deployer-process.js';
import { eventually } from '../support/eventually.js';
import { repoRoot } from '../support/repo.js';
import { makeTlsCertificates, type TlsCertificates } from '../support/tls-certificates.js';

const run = promisify(execFile);

function env(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    SDP_SLURMDEPLOY_SLURM_URL: url,
    SDP_SLURMDEPLOY_CLIENT_ID: 'slurmjob',
    SDP_SLURMDEPLOY_SLURM_JWT: 'eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJzbHVybWpvYiJ9.c2lnbmF0dXJlLW9mLWEtdG9rZW4',
    SDP_SLURMDEPLOY_RELEASE_NAME: 'tls',
    SDP_SLURMDEPLOY_NAMESPACE: 'spec',
    SDP_SLURMDEPLOY_LIVENESS_FILE: '/dev/null',
    SDP_CONFIG_BACKEND: 'memory',
    ...extra,
  };
}

async function deployer(args: string[], environment: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(repoRoot, 'bin', 'deployer'), ...args], { env: environment, timeout: 15_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('the deployer at start, over TLS to slurmrestd', function () {
  this.timeout(30_000);
  let certs: TlsCertificates;
  let server: https.Server;
  let url: string;
  const requests: string[] = [];

  before(async () => {
    certs = await makeTlsCertificates();
    server = https.createServer({ cert: readFileSync(certs.serverCertFile), key: readFileSync(certs.serverKeyFile) }, (req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(503).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await certs?.remove();
  });

  it('run and status end with exit 2 naming SDP_SLURMDEPLOY_SLURM_CA and the certificate problem; no request reached the server', async () => {
    for (const args of [[], ['status']]) {
      const result = await deployer(args, env(url, { SDP_SLURMDEPLOY_SLURM_CA: certs.otherCaFile }));
      expect(result.code, result.stderr).to.equal(2);
      expect(result.stderr).to.equal(
        'sdp-slurm-deployer: bad configuration\n' +
          `SDP_SLURMDEPLOY_SLURM_CA: the certificate of ${url} is not trusted: the CA that signed it is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE); it must lead to a CA in ${certs.otherCaFile} or among the system's roots\n`,
      );
    }
    expect(requests).to.deep.equal([]);
  });

  it('a CA file that cannot be used, or a client key without its certificate, ends it at once with exit 2', async () => {
    const key = await deployer([], env(url, { SDP_SLURMDEPLOY_SLURM_CA: certs.clientKeyFile }));
    expect(key.code).to.equal(2);
    expect(key.stderr).to.contain(`SDP_SLURMDEPLOY_SLURM_CA: ${certs.clientKeyFile} holds no PEM certificate`);
    const half = await deployer([], env(url, { SDP_SLURMDEPLOY_SLURM_CLIENT_KEY: certs.clientKeyFile }));
    expect(half.code).to.equal(2);
    expect(half.stderr).to.contain('SDP_SLURMDEPLOY_SLURM_CLIENT_CERT: SDP_SLURMDEPLOY_SLURM_CLIENT_CERT and SDP_SLURMDEPLOY_SLURM_CLIENT_KEY go together');
  });

  describe('the plain-http WARNING', () => {
    const running: DeployerProcess[] = [];
    after(async () => {
      await Promise.all(running.map((d) => d.stop()));
    });

    /** The deployer's log lines once it tried slurmrestd twice (it waits for it, never exits). */
    const linesAfterTwoTries = async (slurmUrl: string): Promise<{ level: string; message: string }[]> => {
      // DEBUG: each attempt is a line there (the default level says the outage once).
      const d = startDeployer(env(slurmUrl, { SDP_LOG_FORMAT: 'json', SDP_LOG_LEVEL: 'DEBUG' }));
      running.push(d);
      const lines = () =>
        d
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { level: string; message: string });
      await eventually('two attempts to reach slurmrestd', async () => (lines().filter((l) => l.message.startsWith('cannot reach slurmrestd')).length >= 2 ? true : undefined), 15_000);
      await d.stop();
      return lines();
    };

    it('is logged once at start for a host that is not loopback', async () => {
      // .invalid never resolves (RFC 2606): the deployer keeps waiting for it.
      const lines = await linesAfterTwoTries('http://slurmrestd.invalid:6820');
      const warnings = lines.filter((l) => l.message.includes('clear text'));
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.include({ level: 'WARNING' });
      expect(warnings[0]?.message).to.match(/^SDP_SLURMDEPLOY_SLURM_URL is plain http to slurmrestd\.invalid:6820, which is not this machine: the Slurm token travels in clear text/);
      expect(lines.indexOf(warnings[0]!)).to.be.below(lines.findIndex((l) => l.message.startsWith('cannot reach slurmrestd')));
    });

    it('is not logged for loopback', async () => {
      const lines = await linesAfterTwoTries('http://127.0.0.1:9');
      expect(lines.filter((l) => l.message.includes('clear text'))).to.deep.equal([]);
    });
  });
});
