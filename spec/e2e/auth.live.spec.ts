// Authentication on real parts: `node bin/deployer` against the local slurmrestd (Slurm 22.05),
// with the JWT method (an HS256 token minted for the stack's key, replaced mid-run through
// SDP_SLURMDEPLOY_SLURM_JWT_FILE) and with the Entra method (an OAuth2/OIDC server over HTTPS on
// loopback, signing with the RS256 key slurmctld trusts through its JWKS, reached through
// msal-node). Everything the deployers print is then searched for every secret they were given.

import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3 } from 'etcd3';
import { deploymentKey, stateKey } from '../../lib/configdb/paths.js';
import { deployerEnv, startDeployer, type DeployerProcess, runDeployerOnce } from '../support/deployer-process.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { livePrefix, removeBelow } from '../support/live-prefix.js';
import { startRecordingProxy, type ProxiedExchange, type RecordingProxy } from '../support/recording-proxy.js';
import { jobsNamed } from '../support/slurm-direct.js';
import { mintSlurmToken } from '../support/slurm-tokens.js';
import { startStack, type StackEnv } from '../support/stack.js';
import { makeThrowawayTls, type ThrowawayTls } from '../support/throwaway-tls.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';


interface LogLine {
  readonly time: string;
  readonly level: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

const seconds = (ms: number) => Math.round(ms / 10) / 100;

describe('authentication to the real slurmrestd @live', function () {
  this.timeout(120_000);
  const tag = randomBytes(3).toString('hex');
  const prefix = livePrefix(`auth-${tag}`);
  let stack: StackEnv;
  let etcd: Etcd3;
  let tls: ThrowawayTls;
  /** Everything the deployer processes printed, their metrics and their jobs' output: searched last. */
  const printed: { what: string; text: string }[] = [];
  /** Every secret value a deployer was given or obtained. */
  const secrets = new Set<string>();
  const running: DeployerProcess[] = [];

  const putDeployment = (id: string, args: unknown) => etcd.put(deploymentKey(id, prefix)).value(JSON.stringify({ key: id, kind: 'slurm', args }));
  const stateOf = async (id: string) => {
    const text = await etcd.get(stateKey(id, prefix)).string();
    return text === null ? undefined : (JSON.parse(text) as { status: string; job_id?: number });
  };
  const finished = (id: string) =>
    eventually(`${id} FINISHED`, async () => {
      const state = await stateOf(id);
      return state?.status === 'FINISHED' ? state : undefined;
    });
  const launch = (what: string, env: Record<string, string>) => {
    const deployer = startDeployer(env);
    running.push(deployer);
    return { deployer, keep: () => printed.push({ what, text: deployer.output() }) };
  };
  const submits = (proxy: RecordingProxy): ProxiedExchange[] => proxy.exchanges.filter((e) => e.method === 'POST' && e.url.includes('/job/submit'));

  before(async function () {
    this.timeout(600_000);
    stack = await startStack();
    etcd = new Etcd3({ hosts: `http://${stack.SDP_CONFIG_HOST}:${stack.SDP_CONFIG_PORT}` });
    tls = await makeThrowawayTls();
  });

  after(async () => {
    await Promise.allSettled(running.map((d) => d.stop()));
    if (etcd !== undefined) await removeBelow(etcd, prefix);
    etcd?.close();
    await tls?.remove();
  });

  describe('the JWT method', () => {
    it('runs jobs with HS256 tokens for the local key, and follows SDP_SLURMDEPLOY_SLURM_JWT_FILE as its tokens expire and are replaced', async () => {
      const file = path.join(stack.SDP_STACK_DIR, `jwt-${tag}.token`);
      let issuedAt = 0;
      const mint = (lifetime: number) => {
        issuedAt = Math.floor(Date.now() / 1000);
        const token = mintSlurmToken(stack.SLURM_JWT_KEY_FILE, stack.SLURM_USER, issuedAt + lifetime, issuedAt);
        secrets.add(token);
        return token;
      };
      const proxy = await startRecordingProxy(stack.SLURM_URL);
      const t1 = mint(10);
      const t1IssuedAt = issuedAt * 1000;
      await writeFile(file, `SLURM_JWT=${t1}\n`, { mode: 0o600 });
      const env = deployerEnv(stack, `jwt${tag}`, { SDP_CONFIG_PREFIX: prefix, SDP_SLURMDEPLOY_SLURM_URL: proxy.url, SDP_SLURMDEPLOY_SLURM_JWT_FILE: file });
      delete (env as Record<string, string>)['SDP_SLURMDEPLOY_SLURM_JWT'];
      const { deployer, keep } = launch('JWT-file deployer', env);
      try {
        const lines = () => logLines(deployer.output());
        const firstToken = await eventually('the first token', async () => lines().find((l) => l.message === 'Slurm token read from SDP_SLURMDEPLOY_SLURM_JWT_FILE; Slurm has not checked it yet'));
        expect(firstToken).to.include({ level: 'INFO', method: 'jwt-file', reason: 'start' });

        // A job with the first token.
        const a = `jwt-a-${tag}`;
        await putDeployment(a, { script: '#!/bin/bash\ntrue\n' });
        await finished(a);
        expect(submits(proxy).map((s) => s.token)).to.deep.equal([t1]);

        // Replaced before its refresh point (80% of 10 s): picked up there, without a failure.
        const t2 = mint(10);
        await writeFile(file, `${t2}\n`);
        const refreshed = await eventually('the refresh at 80%', async () => lines().find((l) => l.message === 'new Slurm token read from SDP_SLURMDEPLOY_SLURM_JWT_FILE; Slurm has not checked it yet'), 20_000);
        expect(refreshed).to.include({ level: 'INFO', reason: 'due' });
        // Its iat is whole seconds; the refresh point is 8 s after it.
        const refreshAfter = Date.parse(refreshed.time) - t1IssuedAt;
        console.log(`      first token (10 s) re-read ${seconds(refreshAfter)} s after its iat (80% = 8 s)`);
        expect(refreshAfter).to.be.within(8_000, 8_600);

        // t2 is not replaced: warned about at its refresh point, then it expires and Slurm rejects it.
        const warned = await eventually('the warning that t2 expires', async () => lines().find((l) => l.message === 'Slurm token expires soon and no newer one is available'), 20_000);
        expect(warned).to.include({ level: 'WARNING', kind: 'auth', replace: 'write a new token to SDP_SLURMDEPLOY_SLURM_JWT_FILE' });
        const rejected = await eventually('a poll rejected for its expired token', async () => lines().find((l) => l.message === 'Slurm poll failed' && l['kind'] === 'auth'), 20_000);
        expect(Date.parse(rejected.time)).to.be.greaterThan(Date.parse(refreshed.time));

        // Replaced after it expired: the next rejection reads the file again, and the deployer works on.
        const t3 = mint(300);
        await writeFile(file, `${t3}\n`);
        const replacedAt = Date.now();
        const b = `jwt-b-${tag}`;
        await putDeployment(b, { script: '#!/bin/bash\ntrue\n' });
        await finished(b);
        const fromRejection = lines().find((l) => l.message === 'new Slurm token read from SDP_SLURMDEPLOY_SLURM_JWT_FILE; Slurm has not checked it yet' && l['reason'] === 'rejected');
        expect(fromRejection, 'the new token was read because Slurm rejected the old one').not.to.equal(undefined);
        console.log(`      third token picked up ${seconds(Date.parse(fromRejection!.time) - replacedAt)} s after it was written (on a rejection)`);
        // Slurm accepted the jobs on t1 and t3; a submit sent with the expired t2 (if any) was refused and made again.
        const accepted = submits(proxy).filter((s) => s.status === 200);
        expect(accepted.map((s) => s.token)).to.deep.equal([t1, t3]);
        expect(submits(proxy).filter((s) => s.token === t2 && s.status === 200)).to.deep.equal([]);
        expect(proxy.exchanges.filter((e) => e.token === t2 && e.status === 200).length, 'requests t2 served while valid').to.be.greaterThan(0);
        expect(deployer.child.exitCode, 'still running').to.equal(null);
      } finally {
        const code = await deployer.stop();
        keep();
        await proxy.close();
        await rm(file, { force: true });
        expect(code).to.equal(0);
      }
    });
  });

  describe('the Entra method, through msal-node, against an OIDC server over HTTPS', () => {
    const clientSecret = `cs-${randomBytes(12).toString('hex')}`;
    const lifetime = 15;
    let server: TokenServer;
    let proxy: RecordingProxy;
    let deployer: DeployerProcess;
    let keep: () => number;
    let metricsPort: number;

    before(async () => {
      secrets.add(clientSecret);
      server = await startTokenServer({
        tls,
        clientId: stack.SLURM_USER,
        clientSecret,
        sun: stack.SLURM_USER,
        lifetimeSeconds: lifetime,
        signingKeyPem: await readFile(stack.SLURM_JWKS_SIGNING_KEY, 'utf8'),
        kid: stack.SLURM_JWKS_KID,
      });
      proxy = await startRecordingProxy(stack.SLURM_URL);
      metricsPort = await freePort();
      const env = deployerEnv(stack, `entra${tag}`, {
        SDP_CONFIG_PREFIX: prefix,
        SDP_SLURMDEPLOY_SLURM_URL: proxy.url,
        SDP_SLURMDEPLOY_AZURE_URL: server.url,
        SDP_SLURMDEPLOY_CLIENT_SECRET: clientSecret,
        SDP_SLURMDEPLOY_AZURE_CA: tls.caFile,
        SDP_SLURMDEPLOY_METRICS_PORT: String(metricsPort),
        SDP_SLURMDEPLOY_METRICS_HOST: '127.0.0.1',
      });
      delete (env as Record<string, string>)['SDP_SLURMDEPLOY_SLURM_JWT'];
      ({ deployer, keep } = launch('Entra deployer', env));
    });

    after(async () => {
      const code = await deployer?.stop();
      keep?.();
      for (const record of server?.issued ?? []) if (record.token !== undefined) secrets.add(record.token);
      await proxy?.close();
      await server?.close();
      if (code !== 0) console.log(deployer.output());
      expect(code, 'exit code after SIGTERM').to.equal(0);
    });

    it(`gets its tokens from the server, refreshes them at 80% of their ${lifetime} s, and runs a job after the first token expired`, async () => {
      await eventually('the deployer to start', async () => (deployer.output().includes('"deployer starting"') ? true : undefined));
      const first = server.issued[0]!;
      expect(first.status).to.equal(200);
      // Nothing but the discovery document and the token endpoint was asked for; no other host (no network here).
      expect([...new Set(server.paths)]).to.deep.equal(['GET /.well-known/openid-configuration', 'POST /token']);

      await eventually('the second token', async () => server.issued[1], 20_000);
      const interval = server.issued[1]!.at - first.at;
      console.log(`      token 1 -> token 2: ${seconds(interval)} s (80% of ${lifetime} s = ${0.8 * lifetime} s; msal rounds the expiry to the second)`);
      expect(interval).to.be.within(11_000, 13_000);
      const refreshLine = logLines(deployer.output()).find((l) => l.message === 'new Slurm token issued by the token server; Slurm has not checked it yet');
      expect(refreshLine).to.include({ level: 'INFO', method: 'entra', reason: 'due' });

      // The first token has expired: a job now runs on a refreshed one.
      await sleep(Math.max(0, first.at + lifetime * 1000 + 500 - Date.now()));
      const id = `entra-${tag}`;
      const out = path.join(stack.SLURM_JOB_DIR, `${id}.out`);
      await putDeployment(id, { script: '#!/bin/bash\nenv | sort\n', standard_output: out });
      const state = await finished(id);
      const [submit, ...more] = submits(proxy).filter((s) => s.at > first.at);
      expect(more).to.have.length(0);
      expect(submit!.at).to.be.greaterThan(first.at + lifetime * 1000);
      expect(submit!.token).not.to.equal(first.token);
      expect(server.issued.map((r) => r.token)).to.include(submit!.token);
      const [job] = await jobsNamed(stack, id);
      expect(job).to.include({ job_id: state.job_id, job_state: 'COMPLETED' });
      expect((job as unknown as { user_name: string }).user_name).to.equal(stack.SLURM_USER);
      printed.push({ what: 'the Entra job environment', text: await readFile(out, 'utf8') });
      await rm(out, { force: true });

      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      printed.push({ what: 'the Entra deployer metrics', text: metrics });
      const expiry = Number(/^sdp_slurmdeploy_token_expiry_seconds (\S+)$/m.exec(metrics)?.[1]);
      expect(expiry, 'token expiry gauge').to.be.within(0, lifetime);
    });

    it('a token Slurm rejects triggers exactly one refresh and one retry, and the poll succeeds', async () => {
      server.spoilNext(1);
      const spoilt = await eventually('the spoilt token', async () => server.issued.find((r) => r.spoilt), 20_000);
      const index = server.issued.indexOf(spoilt);
      const replacement = await eventually('its replacement', async () => server.issued[index + 1], 10_000);
      // Let a few more polls pass: nothing else is asked for until the next 80% mark.
      await sleep(3000);
      const soon = server.issued.filter((r) => r.at > spoilt.at && r.at < spoilt.at + 8_000);
      expect(soon, 'token requests after the rejection, before the next refresh point').to.deep.equal([replacement]);
      console.log(`      rejected token replaced ${seconds(replacement.at - spoilt.at)} s after it was issued`);

      const withSpoilt = proxy.exchanges.filter((e) => e.token === spoilt.token);
      expect(withSpoilt.map((e) => [e.method, e.status]), 'requests sent with the rejected token').to.deep.equal([['GET', 500]]);
      const retried = proxy.exchanges[proxy.exchanges.indexOf(withSpoilt[0]!) + 1]!;
      expect(retried, 'the retry').to.include({ method: 'GET', url: withSpoilt[0]!.url, status: 200, token: replacement.token });

      const lines = logLines(deployer.output()).filter((l) => Date.parse(l.time) >= spoilt.at - 5);
      expect(lines.filter((l) => l.message === 'Slurm rejected the token; trying once more with a fresh one').map((l) => [l.level, l['operation'], l['kind']])).to.deep.equal([
        ['INFO', 'listJobs', 'auth'],
      ]);
      expect(lines.filter((l) => l.message === 'new Slurm token issued by the token server; Slurm has not checked it yet' && l['reason'] === 'rejected')).to.have.length(1);
      expect(lines.filter((l) => l.message === 'Slurm poll failed'), 'the retry hid the rejection').to.deep.equal([]);
    });
  });

  describe('token failures and configuration errors', () => {
    it('a wrong client secret is an auth failure: logged as WARNING, tried again with backoff, never a crash', async () => {
      const wrong = `wrong-${randomBytes(12).toString('hex')}`;
      secrets.add(wrong);
      const server = await startTokenServer({
        tls,
        clientId: stack.SLURM_USER,
        clientSecret: `right-${randomBytes(8).toString('hex')}`,
        sun: stack.SLURM_USER,
        lifetimeSeconds: 60,
        signingKeyPem: await readFile(stack.SLURM_JWKS_SIGNING_KEY, 'utf8'),
        kid: stack.SLURM_JWKS_KID,
      });
      const env = deployerEnv(stack, `bad${tag}`, { SDP_CONFIG_PREFIX: prefix, SDP_SLURMDEPLOY_AZURE_URL: server.url, SDP_SLURMDEPLOY_CLIENT_SECRET: wrong, SDP_SLURMDEPLOY_AZURE_CA: tls.caFile });
      delete (env as Record<string, string>)['SDP_SLURMDEPLOY_SLURM_JWT'];
      const { deployer, keep } = launch('Entra deployer with a wrong secret', env);
      try {
        const failures = await eventually('three refresh failures', async () => {
          const found = logLines(deployer.output()).filter((l) => l.message === 'Slurm token refresh failed');
          return found.length >= 3 ? found : undefined;
        }, 20_000);
        // Each attempt at DEBUG; the outage of the token server once as a WARNING naming what to check.
        for (const f of failures) expect(f).to.include({ level: 'DEBUG', method: 'entra', kind: 'auth' });
        const outage = logLines(deployer.output()).filter((l) => l.level === 'WARNING' && l['dependency'] === 'the token server');
        expect(outage).to.have.length(1);
        expect(outage[0]?.message).to.contain(`the token server at ${server.url.replace(/\/$/, '')}`).and.to.contain('SDP_SLURMDEPLOY_CLIENT_SECRET');
        expect(String(failures[0]!['error'])).to.contain('invalid_client').and.to.contain('AADSTS7000215');
        const gaps = failures.slice(1).map((f, i) => Date.parse(f.time) - Date.parse(failures[i]!.time));
        console.log(`      refresh failures ${gaps.map((g) => `${seconds(g)} s`).join(', ')} apart`);
        expect(gaps[1]!).to.be.greaterThan(gaps[0]!);
        expect(deployer.child.exitCode).to.equal(null);
      } finally {
        expect(await deployer.stop()).to.equal(0);
        keep();
        await server.close();
      }
    });

    const cli = runDeployerOnce;

    it('neither method complete: exit 2, naming exactly the variables that are missing', async () => {
      const secret = `cs-${randomBytes(12).toString('hex')}`;
      secrets.add(secret);
      const base = deployerEnv(stack, `cfg${tag}`, { SDP_CONFIG_PREFIX: prefix });
      delete (base as Record<string, string>)['SDP_SLURMDEPLOY_SLURM_JWT'];
      const cases: [string, Record<string, string>, RegExp][] = [
        ['nothing', {}, /^SDP_SLURMDEPLOY_SLURM_JWT: no authentication: set SDP_SLURMDEPLOY_SLURM_JWT \(or SDP_SLURMDEPLOY_SLURM_JWT_FILE\), or set SDP_SLURMDEPLOY_AZURE_URL and SDP_SLURMDEPLOY_CLIENT_SECRET \(or SDP_SLURMDEPLOY_CLIENT_SECRET_FILE\) for the Entra method$/m],
        ['the Entra URL only', { SDP_SLURMDEPLOY_AZURE_URL: 'https://login.example/tenant' }, /^SDP_SLURMDEPLOY_CLIENT_SECRET: required by the Entra method/m],
        ['the client secret only', { SDP_SLURMDEPLOY_CLIENT_SECRET: secret }, /^SDP_SLURMDEPLOY_AZURE_URL: required by the Entra method/m],
        ['no client id', { SDP_SLURMDEPLOY_AZURE_URL: 'https://login.example/tenant', SDP_SLURMDEPLOY_CLIENT_SECRET: secret, SDP_SLURMDEPLOY_CLIENT_ID: '' }, /^SDP_SLURMDEPLOY_CLIENT_ID: required but not set$/m],
        ['a CA file that is not there', { SDP_SLURMDEPLOY_AZURE_URL: 'https://127.0.0.1:1/tenant', SDP_SLURMDEPLOY_CLIENT_SECRET: secret, SDP_SLURMDEPLOY_AZURE_CA: '/nonexistent/ca.pem' }, /^SDP_SLURMDEPLOY_AZURE_CA: cannot read \/nonexistent\/ca.pem \(ENOENT\)$/m],
        ['a plain http authority', { SDP_SLURMDEPLOY_AZURE_URL: 'http://login.example/tenant', SDP_SLURMDEPLOY_CLIENT_SECRET: secret }, /^SDP_SLURMDEPLOY_AZURE_URL: expected the https:\/\/ URL/m],
        ['a JWT and a JWT file', { SDP_SLURMDEPLOY_SLURM_JWT: secret, SDP_SLURMDEPLOY_SLURM_JWT_FILE: '/tmp/x' }, /^SDP_SLURMDEPLOY_SLURM_JWT_FILE: set either SDP_SLURMDEPLOY_SLURM_JWT or SDP_SLURMDEPLOY_SLURM_JWT_FILE, not both$/m],
      ];
      for (const [what, extra, says] of cases) {
        const result = await cli({ ...base, ...extra });
        printed.push({ what: `bin/deployer with ${what}`, text: result.text });
        expect(result.code, what).to.equal(2);
        expect(result.text, what).to.match(says);
        // Exactly the one problem: no other variable is blamed.
        expect(result.text.trim().split('\n').slice(1), what).to.have.length(1);
      }
    });
  });

  describe('secrets', () => {
    it('no secret or token appears in anything the deployers printed, served as metrics, or gave their jobs', () => {
      expect(printed.length, 'what was collected').to.be.greaterThan(8);
      expect(secrets.size, 'secrets collected').to.be.greaterThan(6);
      for (const { what, text } of printed) {
        expect(text.length, `${what} printed something`).to.be.greaterThan(0);
        for (const secret of secrets) {
          // The whole value, and each long part of a JWT (its signature alone is still a secret).
          for (const part of [secret, ...secret.split('.').filter((p) => p.length >= 16)]) {
            expect(text.includes(part), `${what} holds a secret (${part.slice(0, 6)}...)`).to.equal(false);
          }
        }
      }
      console.log(`      searched ${printed.length} outputs (${Math.round(printed.reduce((n, p) => n + p.text.length, 0) / 1024)} KiB) for ${secrets.size} secrets`);
    });
  });
});
