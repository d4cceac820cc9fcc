// `status` on a Slurm that reads job states by id (24.11, v0.0.42): through a recording proxy in
// front of the real slurmrestd, one read and a watch ask for the states of the jobs the Config DB
// names and the record of each whose state changed, and never for the whole cluster's job list.

import { randomBytes } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { deploymentKey } from '../../lib/configdb/paths.js';
import type { FreshStatusRow } from '../../lib/cli/status-freshness.js';
import { deployerEnv, startDeployer, type DeployerProcess } from '../support/deployer-process.js';
import { eventually } from '../support/eventually.js';
import { removeBelow } from '../support/live-prefix.js';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy.js';
import { repoRoot } from '../support/repo.js';
import { startRelease, type ReleaseEnv } from '../support/stack.js';

const run = promisify(execFile);
const bin = path.join(repoRoot, 'bin', 'deployer');
const only = process.env['SLURM_RELEASES']?.trim();
const skipped = only !== undefined && only !== '' && !only.split(/[\s,]+/).includes('24.11');

/** The paths a status read sent to Slurm, without the version's prefix: `jobs/state`, `job/7`, `jobs`... */
const pathsOf = (proxy: RecordingProxy, from: number) =>
  proxy.exchanges.slice(from).map((e) => e.url.replace(/^\/(slurm\/v0\.0\.\d+\/)?/, '').replace(/\?.*$/, '').replace(/\/$/, ''));

(skipped ? describe.skip : describe)('status reads jobs by id on Slurm 24.11 @live @slurm-24.11', function () {
  this.timeout(180_000);
  const tag = randomBytes(3).toString('hex');
  const prefix = `/byid-${tag}`;
  const [long, short] = [`long-${tag}`, `short-${tag}`];
  let env: ReleaseEnv;
  let etcd: Etcd3;
  let deployer: DeployerProcess | undefined;
  let proxy: RecordingProxy;
  let cliEnv: Record<string, string>;

  before(async function () {
    this.timeout(900_000);
    env = await startRelease('24.11');
    etcd = new Etcd3({ hosts: `http://${env.SDP_CONFIG_HOST}:${env.SDP_CONFIG_PORT}` });
    const user = { ...env, SLURM_USER: env.SLURM_MATRIX_USER ?? env.SLURM_USER, SLURM_JWT: env.SLURM_MATRIX_JWT ?? env.SLURM_JWT };
    const deployerVars = deployerEnv(user, `bi${tag}`, { SDP_CONFIG_PREFIX: prefix, SDP_SLURMDEPLOY_TAKEOVER_HOLD: '0', SDP_LOG_LEVEL: 'INFO' });
    proxy = await startRecordingProxy(env.SLURM_URL);
    cliEnv = { ...deployerVars, SDP_SLURMDEPLOY_SLURM_URL: proxy.url };
    deployer = startDeployer(deployerVars);
    const put = (id: string, script: string) => etcd.put(deploymentKey(id, prefix)).value(JSON.stringify({ key: id, kind: 'slurm', args: { script } }));
    await put(long, '#!/bin/bash\nsleep 300\n');
    await put(short, '#!/bin/bash\nexit 0\n');
  });

  after(async () => {
    // The delete cancels the long job; the deployer stops once the states are gone.
    if (etcd !== undefined) await removeBelow(etcd, prefix);
    await deployer?.stop();
    etcd?.close();
    await proxy?.close();
  });

  it('one read and a watch ask for the named jobs\' states and their records, never the whole list', async () => {
    const cli = async (...args: string[]) => (await run(process.execPath, [bin, ...args], { env: cliEnv, timeout: 60_000 })).stdout;
    const rows = await eventually('one RUNNING and one FINISHED', async () => {
      const now = JSON.parse(await cli('status', '-o', 'json')) as FreshStatusRow[];
      const statuses = now.map((r) => `${r.deployment}=${r.status}/${r.slurm_state}`).sort();
      return statuses.join(' ') === `${long}=RUNNING/RUNNING ${short}=FINISHED/COMPLETED` ? now : undefined;
    }, 90_000, 1000);
    expect(rows.find((r) => r.deployment === short)).to.include({ exit_code: 0 });
    // The last read alone: discovery, the states of the two jobs, then each record.
    const from = proxy.exchanges.length;
    await cli('status', '-o', 'json');
    const jobIds = rows.map((r) => r.job_id).sort((a, b) => (a ?? 0) - (b ?? 0));
    const one = pathsOf(proxy, from);
    expect(one.filter((p) => p !== 'openapi/v3').sort(), one.join(', ')).to.deep.equal(['jobs/state', ...jobIds.map((id) => `job/${id}`)].sort());

    // A watch of four reads: the records once, then only the states (nothing changes).
    const watchFrom = proxy.exchanges.length;
    const watch = spawn(process.execPath, [bin, 'status', '--watch', '--interval', '0.5', '-o', 'json'], { env: cliEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = '';
    watch.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    await eventually('four state reads', async () => (pathsOf(proxy, watchFrom).filter((p) => p === 'jobs/state').length >= 4 ? true : undefined), 30_000, 200);
    watch.kill('SIGTERM');
    await new Promise((resolve) => watch.once('exit', resolve));
    const watched = pathsOf(proxy, watchFrom).filter((p) => p !== 'openapi/v3');
    expect(watched.filter((p) => p.startsWith('job/')).sort(), watched.join(', ')).to.deep.equal(jobIds.map((id) => `job/${id}`).sort());
    expect(watched.every((p) => p === 'jobs/state' || p.startsWith('job/')), watched.join(', ')).to.equal(true);
    expect(printed.split('\n').filter((l) => l !== '').length, 'one document printed (nothing changed)').to.equal(1);
  });
});
