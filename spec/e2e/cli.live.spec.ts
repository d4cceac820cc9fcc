// The CLI driven as an operator drives it, as a subprocess, against the local stack.

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { deploymentKey, stateKey } from '../../lib/configdb/paths.js';
import { deployerEnv, startDeployer } from '../support/deployer-process.js';
import { startDelayingProxy } from '../support/delaying-proxy.js';
import { eventually } from '../support/eventually.js';
import { removeBelow } from '../support/live-prefix.js';
import { freePort } from '../support/free-port.js';
import { repoRoot } from '../support/repo.js';
import { jobsNamed } from '../support/slurm-direct.js';
import { startStack, type StackEnv } from '../support/stack.js';

const run = promisify(execFile);
const deployerBin = path.join(repoRoot, 'bin', 'deployer');

/** Runs `node bin/deployer ...args`; resolves with the exit code and output, whatever the code. */
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [deployerBin, ...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('deployer CLI @live', function () {
  this.timeout(120_000);
  const tag = randomBytes(3).toString('hex');
  const release = `cli${tag}`;
  // A Config DB prefix of its own: deployers of other specs (or engineers) sharing the stack
  // would otherwise take these deployments too.
  const prefix = `/cli-${tag}`;
  let stack: StackEnv;
  let etcd: Etcd3;
  const put = (id: string, args: unknown) => etcd.put(deploymentKey(id, prefix)).value(JSON.stringify({ key: id, kind: 'slurm', args }));

  before(async function () {
    this.timeout(600_000);
    stack = await startStack();
    etcd = new Etcd3({ hosts: `http://${stack.SDP_CONFIG_HOST}:${stack.SDP_CONFIG_PORT}` });
  });

  after(async () => {
    await removeBelow(etcd, prefix);
    etcd.close();
  });

  it('prints help naming the environment each command reads, and its version', async () => {
    const help = await cli(['run', '--help'], {});
    expect(help.code).to.equal(0);
    for (const variable of ['SDP_SLURMDEPLOY_SLURM_URL', 'SDP_SLURMDEPLOY_LOOP_INTERVAL', 'SDP_CONFIG_HOST', 'SDP_LOG_LEVEL']) expect(help.stdout).to.contain(variable);
    const status = await cli(['status', '--help'], {});
    expect(status.stdout).to.contain('SDP_SLURMDEPLOY_RELEASE_NAME');
    expect(status.stdout).not.to.contain('SDP_SLURMDEPLOY_LOOP_INTERVAL');
    expect((await cli(['--version'], {})).stdout).to.match(/^sdp-slurm-deployer \d+\.\d+\.\d+\n$/);
  });

  it('exits 2 on bad configuration, naming the variable and never the secret', async () => {
    const env = { ...deployerEnv(stack, release, { SDP_CONFIG_PREFIX: prefix }), SDP_SLURMDEPLOY_LOOP_INTERVAL: 'often' };
    delete (env as Record<string, string>)['SDP_SLURMDEPLOY_NAMESPACE'];
    const result = await cli([], env);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('SDP_SLURMDEPLOY_NAMESPACE');
    expect(result.stderr).to.contain('SDP_SLURMDEPLOY_LOOP_INTERVAL');
    expect(result.stderr + result.stdout).not.to.contain(stack.SLURM_JWT);
  });

  it('plans without doing, then shows the status table of a real run', async () => {
    const id = `cli-${tag}`;
    await put(id, { script: '#!/bin/bash\necho hi\n' });
    // No takeover hold: the deployer's first start on this prefix found a deployment waiting
    // and held its first poll 3 s, which nothing here is about.
    const env = deployerEnv(stack, release, { SDP_CONFIG_PREFIX: prefix, SDP_SLURMDEPLOY_TAKEOVER_HOLD: '0' });
    const plan = await cli(['plan', '-o', 'json'], env);
    expect(plan.code).to.equal(0);
    const planned = JSON.parse(plan.stdout) as { type: string; id?: string }[];
    expect(planned.filter((c) => c.id === id).map((c) => c.type)).to.deep.equal(['submitJob', 'writeState']);
    // Nothing was done: no job, no state.
    expect(await jobsNamed(stack, id)).to.deep.equal([]);
    expect(await etcd.get(stateKey(id, prefix)).string()).to.equal(null);

    const deployer = startDeployer(env);
    try {
      await eventually(`${id} FINISHED`, async () => ((await etcd.get(stateKey(id, prefix)).string())?.includes('FINISHED') ? true : undefined));
    } finally {
      expect(await deployer.stop()).to.equal(0);
    }
    const status = await cli(['status'], env);
    expect(status.code).to.equal(0);
    const [jobId] = (await jobsNamed(stack, id)).map((j) => j.job_id);
    const row = status.stdout.split('\n').find((l) => l.startsWith(`${id} `));
    expect(status.stdout.split('\n')[0]).to.match(/^DEPLOYMENT +JOB +SLURM STATE +STATUS +AGE +REASON$/);
    expect(row).to.match(new RegExp(`^${id} +${jobId} +COMPLETED +FINISHED +\\d+s`));
    console.log(`      status table of a real run:\n${status.stdout.replace(/^/gm, '        ')}`);
  });

  it('on SIGTERM with a submit in flight, records its job and exits 0 within the grace period', async () => {
    const proxy = await startDelayingProxy(stack.SLURM_URL, 3000, (req) => req.method === 'POST' && (req.url ?? '').includes('/job/submit'));
    const id = `term-${tag}`;
    const deployer = startDeployer(deployerEnv(stack, `${release}t`, { SDP_CONFIG_PREFIX: prefix, SDP_SLURMDEPLOY_SLURM_URL: proxy.url, SDP_SLURMDEPLOY_SHUTDOWN_GRACE: '10' }));
    try {
      await eventually('the deployer to list the Config DB', async () => (deployer.output().includes('Config DB listed') ? true : undefined));
      await put(id, { script: '#!/bin/bash\nsleep 1\n' });
      await eventually('the submit to be in flight', async () => (proxy.held() > 0 ? true : undefined));
      const started = Date.now();
      // One SIGTERM (stop() sends it): a second one would mean "exit at once".
      expect(await deployer.stop()).to.equal(0);
      const took = Date.now() - started;
      expect(took, 'waited for the submit').to.be.greaterThan(1500);
      expect(took, 'within the grace period').to.be.lessThan(10_000);
      const state = JSON.parse((await etcd.get(stateKey(id, prefix)).string()) ?? '{}') as { job_id?: number };
      expect(state.job_id, 'the job id of the submit in flight was recorded').to.be.a('number');
      expect(deployer.output()).to.contain('"message":"deployer stopped"');
    } finally {
      await deployer.stop();
      await proxy.close();
    }
  });

  it('exits 2 naming SDP_SLURMDEPLOY_METRICS_PORT when the port is in use (issue 11, 11)', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((busy.address() as AddressInfo).port);
      const result = await cli([], deployerEnv(stack, `${release}b`, { SDP_SLURMDEPLOY_METRICS_PORT: port, SDP_SLURMDEPLOY_METRICS_HOST: '127.0.0.1' }));
      expect(result.code).to.equal(2);
      expect(result.stderr).to.contain(`SDP_SLURMDEPLOY_METRICS_PORT: 127.0.0.1:${port} is in use`);
      expect(result.stderr + result.stdout).not.to.contain(stack.SLURM_JWT);
    } finally {
      busy.close();
    }
  });

  it('serves metrics and health over HTTP while it runs', async () => {
    const port = await freePort();
    const deployer = startDeployer(deployerEnv(stack, `${release}m`, { SDP_CONFIG_PREFIX: prefix, SDP_SLURMDEPLOY_METRICS_PORT: String(port), SDP_SLURMDEPLOY_METRICS_HOST: '127.0.0.1' }));
    try {
      const base = `http://127.0.0.1:${port}`;
      const text = await eventually('a scrape after the first poll', async () => {
        const body = await (await fetch(`${base}/metrics`)).text();
        return /^sdp_slurmdeploy_last_poll_timestamp_seconds [1-9]/m.test(body) ? body : undefined;
      });
      expect(text).to.contain('sdp_slurmdeploy_slurm_api_info{version="v0.0.38"} 1');
      expect(text).to.match(/sdp_slurmdeploy_token_expiry_seconds \d+/);
      expect(text).to.match(/sdp_slurmdeploy_poll_duration_seconds_count [1-9]/);
      expect(text).to.match(/^sdp_slurmdeploy_leader 1$/m);
      // Healthy once the Config DB is listed too, which may come a moment after the first poll.
      const health = await eventually('/healthz 200', async () => {
        const res = await fetch(`${base}/healthz`);
        return res.status === 200 ? ((await res.json()) as object) : undefined;
      });
      expect(health).to.include({ status: 'ok', healthy: true });
    } finally {
      expect(await deployer.stop()).to.equal(0);
    }
  });

  it('with etcd unreachable, /healthz is 503 naming the configdb check in plain words, and the liveness file is not touched (issue 11, 7)', async () => {
    const port = await freePort();
    const etcdPort = await freePort(); // nothing listens there
    const env = deployerEnv(stack, `${release}h`, { SDP_SLURMDEPLOY_METRICS_PORT: String(port), SDP_SLURMDEPLOY_METRICS_HOST: '127.0.0.1', SDP_CONFIG_PORT: String(etcdPort) });
    const alive = env['SDP_SLURMDEPLOY_LIVENESS_FILE']!;
    await rm(alive, { force: true });
    const deployer = startDeployer(env);
    try {
      const base = `http://127.0.0.1:${port}`;
      // Cut off from etcd, it cannot be elected: it polls nothing and acts on nothing.
      const res = await eventually('/healthz answering', async () => fetch(`${base}/healthz`).catch(() => undefined));
      expect(res.status).to.equal(503);
      const body = (await res.json()) as { failing: string[]; checks: Record<string, { detail: string }> };
      expect(body.failing).to.include('configdb');
      await eventually('the reason in plain words', async () => {
        const b = (await (await fetch(`${base}/healthz`)).json()) as { checks: Record<string, { detail: string }> };
        return b.checks['configdb']!.detail.startsWith(`cannot reach etcd at 127.0.0.1:${etcdPort} (SDP_CONFIG_HOST, SDP_CONFIG_PORT)`) ? true : undefined;
      });
      expect(await stat(alive).then(() => 'touched', () => 'absent')).to.equal('absent');
    } finally {
      expect(await deployer.stop()).to.equal(0);
    }
  });
});
