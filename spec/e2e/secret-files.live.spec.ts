// Secrets from files on real parts, rotated while `node bin/deployer` runs, as Kubernetes rewrites a
// mounted Secret: SDP_SLURMDEPLOY_CLIENT_SECRET_FILE against an OAuth2/OIDC server on loopback
// (oauth2-mock-server, signing with the RS256 key the stack's slurmctld trusts), and
// SDP_CONFIG_PASSWORD_FILE against a private secured etcd whose user's password is changed.
// Jobs run on the local Slurm 22.05. What the deployers print and serve as metrics, and their
// jobs' environments, are searched for every secret.

import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { deploymentKey, stateKey } from '../../lib/configdb/paths.js';
import { deployerEnv, startDeployer, type DeployerProcess, runDeployerOnce } from '../support/deployer-process.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { startPrivateEtcd, type PrivateEtcd } from '../support/private-etcd.js';
import { startStack, type StackEnv } from '../support/stack.js';
import { makeThrowawayTls, type ThrowawayTls } from '../support/throwaway-tls.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';


interface LogLine {
  readonly time: string;
  readonly level: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

const logLines = (output: string): LogLine[] =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

describe('secrets from files, rotated while the deployer runs @live', function () {
  this.timeout(120_000);
  const tag = randomBytes(3).toString('hex');
  let stack: StackEnv;
  let dir: string;
  /** Every secret a deployer was given, and what the deployers printed: searched last. */
  const secrets = new Set<string>();
  const printed: { what: string; text: string }[] = [];
  const running: DeployerProcess[] = [];

  /** Puts a deployment as etcd's `client` (root), waits for its job to finish, and keeps the job's environment. */
  const runDeployment = async (client: Etcd3, prefix: string, id: string) => {
    const out = path.join(stack.SLURM_JOB_DIR, `${id}.out`);
    await client.put(deploymentKey(id, prefix)).value(JSON.stringify({ key: id, kind: 'slurm', args: { script: '#!/bin/bash\nenv | sort\n', standard_output: out } }));
    const state = await eventually(
      `${id} FINISHED`,
      async () => {
        const text = await client.get(stateKey(id, prefix)).string();
        const state = text === null ? undefined : (JSON.parse(text) as { status: string; job_id?: number });
        return state?.status === 'FINISHED' ? state : undefined;
      },
      45_000,
    );
    printed.push({ what: `the environment of ${id}`, text: await readFile(out, 'utf8') });
    await rm(out, { force: true });
    return state;
  };
  /** A deployer serving metrics; `keep` stores what it printed and served. */
  const launch = async (what: string, env: Record<string, string>) => {
    const port = await freePort();
    const deployer = startDeployer({ ...env, SDP_SLURMDEPLOY_METRICS_PORT: String(port), SDP_SLURMDEPLOY_METRICS_HOST: '127.0.0.1' });
    running.push(deployer);
    const keep = async () => {
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
      expect(metrics).to.contain('sdp_slurmdeploy_');
      printed.push({ what: `${what}: its metrics`, text: metrics });
    };
    return { deployer, keep, kept: () => printed.push({ what, text: deployer.output() }) };
  };

  before(async function () {
    this.timeout(600_000);
    stack = await startStack();
    dir = await mkdtemp(path.join(tmpdir(), 'sdp-secret-files-'));
  });

  after(async () => {
    await Promise.allSettled(running.map((d) => d.stop()));
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  describe('SDP_SLURMDEPLOY_CLIENT_SECRET_FILE', () => {
    const prefix = `/spec-secret-file-${tag}`;
    let tls: ThrowawayTls;
    let server: TokenServer;
    let etcd: Etcd3;

    before(async () => {
      tls = await makeThrowawayTls();
      etcd = new Etcd3({ hosts: `http://${stack.SDP_CONFIG_HOST}:${stack.SDP_CONFIG_PORT}` });
    });

    after(async () => {
      for (let level = 1; level <= 8; level++) await etcd?.delete().prefix(`${level}${prefix}/`);
      etcd?.close();
      await server?.close();
      await tls?.remove();
    });

    it('the old secret refused, the file rewritten: the next attempt gets a token and a job runs, without a restart', async () => {
      const right = `cs-new-${randomBytes(12).toString('hex')}`;
      const old = `cs-old-${randomBytes(12).toString('hex')}`;
      secrets.add(right).add(old);
      server = await startTokenServer({
        tls,
        clientId: stack.SLURM_USER,
        clientSecret: right,
        sun: stack.SLURM_USER,
        lifetimeSeconds: 60,
        signingKeyPem: await readFile(stack.SLURM_JWKS_SIGNING_KEY, 'utf8'),
        kid: stack.SLURM_JWKS_KID,
      });
      const file = path.join(dir, 'client-secret');
      await writeFile(file, `${old}\n`, { mode: 0o600 });
      const env = deployerEnv(stack, `sf${tag}`, {
        SDP_SLURMDEPLOY_AZURE_URL: server.url,
        SDP_SLURMDEPLOY_CLIENT_SECRET_FILE: file,
        SDP_SLURMDEPLOY_AZURE_CA: tls.caFile,
        SDP_CONFIG_PREFIX: prefix,
      });
      delete (env as Record<string, string>)['SDP_SLURMDEPLOY_SLURM_JWT'];
      const { deployer, keep, kept } = await launch('Entra deployer with a client secret file', env);
      try {
        const refused = await eventually('the old secret refused', async () => logLines(deployer.output()).find((l) => l.message === 'Slurm token refresh failed'), 20_000);
        // Each attempt at DEBUG; the token server's outage once as a WARNING naming what to check.
        expect(refused).to.include({ level: 'DEBUG', method: 'entra', kind: 'auth' });
        expect(String(refused['error'])).to.contain('AADSTS7000215').and.to.contain(`SDP_SLURMDEPLOY_CLIENT_SECRET_FILE, ${file}`);
        const outage = await eventually('the token server\'s outage said', async () => logLines(deployer.output()).find((l) => l.level === 'WARNING' && l['dependency'] === 'the token server'), 10_000);
        expect(outage.message).to.contain('SDP_SLURMDEPLOY_CLIENT_SECRET');

        const rewrittenAt = Date.now();
        await writeFile(file, `${right}\n`);
        const obtained = await eventually('a token from the new secret', async () => logLines(deployer.output()).find((l) => l.message === 'new Slurm token issued by the token server; Slurm has not checked it yet' && l['reason'] === 'retry'), 20_000);
        const firstGood = server.issued.find((r) => r.status === 200);
        console.log(`      token ${Math.round((firstGood!.at - rewrittenAt) / 100) / 10} s after the file was rewritten; ${server.issued.filter((r) => r.status === 401).length} refusals before`);
        expect(obtained).to.include({ level: 'INFO', method: 'entra' });
        expect(server.issued.map((r) => r.status)).to.include(401);

        const state = await runDeployment(etcd, prefix, `sf-entra-${tag}`);
        expect(state.job_id).to.be.a('number');
        expect(deployer.child.exitCode, 'still the first process').to.equal(null);
        await keep();
      } finally {
        expect(await deployer.stop()).to.equal(0);
        kept();
        for (const record of server.issued) if (record.token !== undefined) secrets.add(record.token);
      }
    });
  });

  describe('SDP_CONFIG_PASSWORD_FILE', () => {
    const prefix = `/spec-password-file-${tag}`;
    let etcd: PrivateEtcd;

    before(async function () {
      this.timeout(300_000);
      etcd = await startPrivateEtcd('deployer-password-file');
    });

    after(async () => {
      await etcd?.dispose();
    });

    it('the password changed in etcd, then in the file: the deployer is refused, takes the new one up, and runs jobs again, without a restart', async () => {
      const first = etcd.env['SDP_CONFIG_PASSWORD'] ?? '';
      secrets.add(first).add(etcd.env['ETCD_SECURE_ROOT_PASSWORD'] ?? '');
      const file = path.join(dir, 'etcd-password');
      await writeFile(file, `${first}\n`, { mode: 0o600 });
      const { SDP_CONFIG_PASSWORD: _given, ETCD_SECURE_ROOT_PASSWORD: _root, ...etcdEnv } = etcd.env;
      const env = deployerEnv(stack, `pf${tag}`, { ...etcdEnv, SDP_CONFIG_PASSWORD_FILE: file, SDP_CONFIG_PREFIX: prefix });
      const { deployer, keep, kept } = await launch('deployer with an etcd password file', env);
      try {
        const before = await runDeployment(etcd.root, prefix, `pf-before-${tag}`);
        expect(before.job_id).to.be.a('number');

        const second = `rotated-${randomBytes(12).toString('hex')}`;
        secrets.add(second);
        const changedAt = Date.now();
        await etcd.root.user('sdp').setPassword(second);
        // The health probe's write and the election's lease renewal are refused.
        const since = () => logLines(deployer.output()).filter((l) => Date.parse(l.time) >= changedAt);
        const refused = await eventually('the deployer refused by etcd', async () => since().find((l) => JSON.stringify(l).includes('refused the credentials')), 20_000);
        expect(refused.level).to.equal('WARNING');
        expect(JSON.stringify(refused)).to.contain('authentication failed, invalid user ID or password');
        await eventually('the lease renewal refused', async () => since().find((l) => l.message === 'cannot renew the leadership lease' && String(l['error']).includes('authentication failed')), 20_000);

        const rewrittenAt = Date.now();
        await writeFile(file, `${second}\n`);
        const after = await runDeployment(etcd.root, prefix, `pf-after-${tag}`);
        console.log(`      a new deployment FINISHED ${Math.round((Date.now() - rewrittenAt) / 100) / 10} s after the file was rewritten`);
        expect(after.job_id).to.be.a('number').and.to.be.greaterThan(before.job_id!);
        expect(deployer.child.exitCode, 'still the first process').to.equal(null);
        const renewals = since().filter((l) => l.message === 'cannot renew the leadership lease');
        const leaderLines = logLines(deployer.output()).filter((l) => l.message === 'became leader');
        console.log(`      ${renewals.length} lease renewals refused; 'became leader' ${leaderLines.length} time(s)`);
        await keep();
      } finally {
        expect(await deployer.stop()).to.equal(0);
        kept();
      }
    });
  });

  describe('files that cannot be used', () => {
    const cli = runDeployerOnce;

    it('exit 2 at start, naming the variable and the path: missing, empty, or given twice', async () => {
      const secret = `cs-${randomBytes(12).toString('hex')}`;
      secrets.add(secret);
      const empty = path.join(dir, 'empty');
      await writeFile(empty, '\n');
      const base = deployerEnv(stack, `sfx${tag}`, { SDP_CONFIG_PREFIX: `/spec-secret-exit-${tag}` });
      const { SDP_SLURMDEPLOY_SLURM_JWT: _jwt, ...noJwt } = base;
      const entra = { ...noJwt, SDP_SLURMDEPLOY_AZURE_URL: 'https://127.0.0.1:1/tenant' };
      const cases: [string, Record<string, string>, RegExp][] = [
        ['a missing client secret file', { ...entra, SDP_SLURMDEPLOY_CLIENT_SECRET_FILE: '/nonexistent/client-secret' }, /^SDP_SLURMDEPLOY_CLIENT_SECRET_FILE: cannot read \/nonexistent\/client-secret \(ENOENT\)$/m],
        ['an empty client secret file', { ...entra, SDP_SLURMDEPLOY_CLIENT_SECRET_FILE: empty }, new RegExp(`^SDP_SLURMDEPLOY_CLIENT_SECRET_FILE: ${empty.replace(/[./]/g, '\\$&')} is empty$`, 'm')],
        ['a client secret and its file', { ...entra, SDP_SLURMDEPLOY_CLIENT_SECRET: secret, SDP_SLURMDEPLOY_CLIENT_SECRET_FILE: empty }, /^SDP_SLURMDEPLOY_CLIENT_SECRET_FILE: set either SDP_SLURMDEPLOY_CLIENT_SECRET or SDP_SLURMDEPLOY_CLIENT_SECRET_FILE, not both$/m],
        ['a missing etcd password file', { ...base, SDP_CONFIG_USERNAME: 'sdp', SDP_CONFIG_PASSWORD_FILE: '/nonexistent/etcd-password' }, /^SDP_CONFIG_PASSWORD_FILE: cannot read \/nonexistent\/etcd-password \(ENOENT\)$/m],
        ['an etcd password and its file', { ...base, SDP_CONFIG_USERNAME: 'sdp', SDP_CONFIG_PASSWORD: secret, SDP_CONFIG_PASSWORD_FILE: empty }, /^SDP_CONFIG_PASSWORD_FILE: set either SDP_CONFIG_PASSWORD or SDP_CONFIG_PASSWORD_FILE, not both$/m],
      ];
      for (const [what, env, says] of cases) {
        const result = await cli(env);
        printed.push({ what: `bin/deployer with ${what}`, text: result.text });
        expect(result.code, what).to.equal(2);
        expect(result.text, what).to.match(says);
        expect(result.text.trim().split('\n').slice(1), `${what}: one problem`).to.have.length(1);
      }
    });
  });

  describe('secrets', () => {
    it('no secret, password or token appears in anything the deployers printed or served as metrics, nor in their jobs\' environments', () => {
      // 2 deployers' output and metrics, 3 jobs' environments, 5 refused starts.
      expect(printed.length, 'what was collected').to.equal(12);
      expect(secrets.size, 'secrets collected').to.be.greaterThan(5);
      for (const { what, text } of printed) {
        expect(text.length, `${what} printed something`).to.be.greaterThan(0);
        for (const secret of secrets) {
          for (const part of [secret, ...secret.split('.').filter((p) => p.length >= 16)]) {
            expect(text.includes(part), `${what} holds a secret (${part.slice(0, 6)}...)`).to.equal(false);
          }
        }
      }
    });
  });
});
