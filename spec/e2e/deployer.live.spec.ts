// End to end on real parts: `node bin/deployer` against the local etcd and Slurm. Deployments
// are written to etcd exactly as ska-sdp-config stores them (key `<depth><prefix>/deploy/<id>`,
// JSON value), below a Config DB prefix of this file's own (SDP_CONFIG_PREFIX).

import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { deploymentKey, stateKey } from '../../lib/configdb/paths.js';
import { deployerEnv, startDeployer, type DeployerProcess } from '../support/deployer-process.js';
import { eventually } from '../support/eventually.js';
import { livePrefix, removeBelow } from '../support/live-prefix.js';
import { cancelDirect, jobsNamed, submitDirect } from '../support/slurm-direct.js';
import { startStack, type StackEnv } from '../support/stack.js';

describe('deployer end to end @live', function () {
  this.timeout(180_000);
  const run = randomBytes(3).toString('hex');
  const release = `e2e${run}`;
  const label = `sdp_slurm_deployer_${release}_test`;
  const id = (name: string) => `${name}-${run}`;
  const prefix = livePrefix(`e2e-${run}`);
  let stack: StackEnv;
  let etcd: Etcd3;
  let deployer: DeployerProcess;

  const putDeployment = (key: string, kind: string, args: unknown) =>
    etcd.put(deploymentKey(key, prefix)).value(JSON.stringify({ key, kind, args }));
  const stateOf = async (key: string) => {
    const text = await etcd.get(stateKey(key, prefix)).string();
    return text === null ? undefined : (JSON.parse(text) as { status: string; job_id?: number; exit_code?: number; reason?: string });
  };
  const statusReaches = (key: string, status: string, timeoutMs = 60_000) =>
    eventually(`${key} to reach ${status}`, async () => {
      const state = await stateOf(key);
      return state?.status === status ? state : undefined;
    }, timeoutMs);

  before(async function () {
    this.timeout(600_000);
    stack = await startStack();
    etcd = new Etcd3({ hosts: `http://${stack.SDP_CONFIG_HOST}:${stack.SDP_CONFIG_PORT}` });
    deployer = startDeployer(deployerEnv(stack, release, { SDP_CONFIG_PREFIX: prefix }));
  });

  after(async () => {
    const code = await deployer?.stop();
    if (etcd !== undefined) await removeBelow(etcd, prefix);
    etcd?.close();
    if (code !== 0) console.log(deployer.output());
    expect(code, 'deployer exit code after SIGTERM').to.equal(0);
  });

  it('picks the Slurm REST API version by negotiation: v0.0.38 on Debian\'s Slurm 22.05', async () => {
    const line = await eventually('the start-up log line', async () => deployer.output().split('\n').find((l) => l.includes('"deployer starting"')));
    expect(JSON.parse(line)).to.include({ api: 'v0.0.38' });
  });

  it('runs a deployment as a labelled Slurm job named after it, to FINISHED', async () => {
    const key = id('hello');
    await putDeployment(key, 'slurm', { script: '#!/bin/bash\necho "hello from $SDP_DEPLOYMENT_ID"\n' });
    const state = await statusReaches(key, 'FINISHED');
    expect(state.exit_code).to.equal(0);
    const [job, ...more] = await jobsNamed(stack, key);
    expect(more).to.have.length(0);
    expect(job).to.include({ job_id: state.job_id, mcs_label: label, job_state: 'COMPLETED' });
  });

  it('reports a script that exits non-zero as FAILED with its exit code', async () => {
    const key = id('fails');
    await putDeployment(key, 'slurm', { script: '#!/bin/bash\nexit 3\n' });
    const state = await statusReaches(key, 'FAILED');
    expect(state).to.include({ exit_code: 3, reason: 'NonZeroExitCode' });
  });

  it('cancels the job of a deleted deployment', async () => {
    const key = id('long');
    await putDeployment(key, 'slurm', { script: '#!/bin/bash\nsleep 300\n' });
    const running = await statusReaches(key, 'RUNNING');
    await etcd.delete().key(deploymentKey(key, prefix));
    const cancelled = await eventually(`job ${running.job_id} to be CANCELLED`, async () => {
      const [job] = await jobsNamed(stack, key);
      return job?.job_state === 'CANCELLED' ? job : undefined;
    });
    expect(cancelled.job_id).to.equal(running.job_id);
  });

  it('submits nothing and writes no state for a deployment of another kind', async () => {
    const helm = id('helm');
    const marker = id('marker');
    await putDeployment(helm, 'helm', { chart: 'x' });
    // A slurm deployment put after it: once it has a job, the helm one has surely been seen.
    await putDeployment(marker, 'slurm', { script: '#!/bin/bash\ntrue\n' });
    await statusReaches(marker, 'FINISHED');
    expect(await stateOf(helm)).to.equal(undefined);
    expect(await jobsNamed(stack, helm)).to.deep.equal([]);
  });

  it('never touches a job without its label, even one named like a deleted deployment', async () => {
    const key = id('foreign');
    const foreign = await submitDirect(stack, { name: key, mcs_label: 'someone_else' }, '#!/bin/bash\nsleep 300\n');
    const other = await submitDirect(stack, { name: key }, '#!/bin/bash\nsleep 300\n');
    try {
      await putDeployment(key, 'slurm', { script: '#!/bin/bash\nsleep 300\n' });
      const running = await statusReaches(key, 'RUNNING');
      expect(running.job_id).not.to.be.oneOf([foreign, other]);
      await etcd.delete().key(deploymentKey(key, prefix));
      await eventually('our job to be CANCELLED', async () => {
        const ours = (await jobsNamed(stack, key)).find((j) => j.job_id === running.job_id);
        return ours?.job_state === 'CANCELLED' ? ours : undefined;
      });
      // Several more polls pass (LOOP_INTERVAL=1); the foreign jobs still run.
      await new Promise((r) => setTimeout(r, 3000));
      const states = (await jobsNamed(stack, key)).filter((j) => j.job_id !== running.job_id).map((j) => [j.job_id, j.job_state]);
      expect(states).to.have.deep.members([
        [foreign, 'RUNNING'],
        [other, 'RUNNING'],
      ]);
    } finally {
      await cancelDirect(stack, foreign);
      await cancelDirect(stack, other);
    }
  });
});
