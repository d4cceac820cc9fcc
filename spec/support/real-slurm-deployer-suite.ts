// `node bin/deployer` against one real Slurm release, on one API version (forced, or the one it
// negotiates): FINISHED,
// FAILED with the exit code, cancel on delete, replacement on changed args, adoption of a
// running job after a restart. Its deployments live below a Config DB prefix of their own
// (SDP_CONFIG_PREFIX) in the host stack's etcd, so no other spec's deployer sees them. On 24.11
// and 26.05 the deployer runs as a user of its own (SLURM_MATRIX_USER, as rate-limited as
// slurmjob): the REST client specs just before empty slurmjob's bucket, and a deployer that meets
// late answers spaces its state polls 10 s apart for a minute (20-40 s a spec here).

import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import { deploymentKey, stateKey } from '../../lib/configdb/paths.js';
import { deployerEnv, startDeployer, type DeployerProcess } from './deployer-process.js';
import { eventually } from './eventually.js';
import { removeBelow } from './live-prefix.js';
import { jobRelease } from './job-release.js';
import { reportMatrixLine } from './matrix-summary.js';
import { cancelRaw, rawJobs, rawJobsNamed } from './slurm-raw.js';
import type { ReleaseEnv, SlurmRelease } from './stack.js';

interface State {
  readonly status: string;
  readonly job_id?: number;
  readonly exit_code?: number;
  readonly reason?: string;
  readonly generation?: number;
}

/**
 * `negotiated`: the deployer picks the version itself (it must pick `version`, the newest the
 * release serves); otherwise SDP_SLURMDEPLOY_API_VERSION forces `version`.
 */
export function describeDeployerOnRelease(release: SlurmRelease, version: SlurmApiVersion, negotiated: boolean, stack: () => ReleaseEnv): void {
  const how = negotiated ? 'negotiated' : 'forced';
  describe(`deployer on ${version} (${how})`, function () {
    this.timeout(120_000);
    const run = randomBytes(3).toString('hex');
    const prefix = `/matrix${release.replace('.', '')}${version.slice(-2)}${run}`;
    const releaseName = `m${release.replace('.', '')}${version.slice(-2)}${run}`;
    const label = `sdp_slurm_deployer_${releaseName}_test`;
    const id = (what: string) => `${what}-${run}`;
    let env: ReleaseEnv;
    let etcd: Etcd3;
    let deployer: DeployerProcess;
    const exitCodes: (number | null)[] = [];

    const start = () => {
      const user = { ...env, SLURM_USER: env.SLURM_MATRIX_USER ?? env.SLURM_USER, SLURM_JWT: env.SLURM_MATRIX_JWT ?? env.SLURM_JWT };
      return startDeployer(
        deployerEnv(user, releaseName, {
          SDP_CONFIG_PREFIX: prefix,
          // No hold: nothing of an earlier leader can be inside slurmrestd here (the first start
          // of a fresh prefix, or a restart after a SIGTERM that left its watermark clean); the
          // hold would only delay the first poll by 3 s at each start. No spec here asserts it.
          SDP_SLURMDEPLOY_TAKEOVER_HOLD: '0',
          ...(negotiated ? {} : { SDP_SLURMDEPLOY_API_VERSION: version }),
        }),
      );
    };
    const put = (key: string, args: unknown) => etcd.put(deploymentKey(key, prefix)).value(JSON.stringify({ key, kind: 'slurm', args }));
    const stateOf = async (key: string): Promise<State | undefined> => {
      const text = await etcd.get(stateKey(key, prefix)).string();
      return text === null ? undefined : (JSON.parse(text) as State);
    };
    const reaches = (key: string, check: (s: State) => boolean, what: string, timeoutMs = 60_000) =>
      eventually(`${key} ${what}`, async () => {
        const state = await stateOf(key);
        return state !== undefined && check(state) ? state : undefined;
      }, timeoutMs, 250);
    const status = (key: string, wanted: string) => reaches(key, (s) => s.status === wanted, `to reach ${wanted}`);
    const jobs = (key: string) => rawJobsNamed(env, version, key);
    /** The adopted job runs until the restarted deployer has polled. */
    let adoptedRelease: ReturnType<typeof jobRelease> | undefined;

    before(async () => {
      env = stack();
      etcd = new Etcd3({ hosts: `http://${env.SDP_CONFIG_HOST}:${env.SDP_CONFIG_PORT}` });
      deployer = start();
      // Every spec's deployment at once: their jobs are submitted and get to RUNNING together,
      // not one spec after the other (each spec then acts on its own deployment only).
      adoptedRelease = jobRelease(env, id('adopted'));
      await put(id('hello'), { script: '#!/bin/bash\necho "hello from $SDP_DEPLOYMENT_ID"\n' });
      await put(id('fails'), { script: '#!/bin/bash\nexit 3\n' });
      await put(id('deleted'), { script: '#!/bin/bash\nsleep 300\n' });
      await put(id('replaced'), { script: '#!/bin/bash\nsleep 300\n' });
      await put(id('adopted'), { script: `#!/bin/bash\n${adoptedRelease.wait}` });
    });

    after(async function () {
      exitCodes.push((await deployer?.stop()) ?? null);
      // The deployer's own keys too (leadership, watermark, registry, poll mark): all below the prefix.
      if (etcd !== undefined) await removeBelow(etcd, prefix);
      etcd?.close();
      await adoptedRelease?.remove();
      // Jobs of specs that failed or did not run (--grep) end here, not after their sleep.
      const left = env === undefined ? [] : (await rawJobs(env, version)).filter((j) => j.mcs_label === label && (j.job_state === 'PENDING' || j.job_state === 'RUNNING'));
      await Promise.all(left.map((j) => cancelRaw(env, version, j.job_id)));
      if (exitCodes.some((c) => c !== 0)) console.log(deployer?.output());
      reportMatrixLine(release, `${version} deployer (${how})`, this.test?.parent);
      expect(exitCodes, 'deployer exit codes after SIGTERM').to.deep.equal(exitCodes.map(() => 0));
    });

    it(negotiated ? `negotiates ${version}, the newest version Slurm ${release} serves` : `speaks ${version} as told`, async () => {
      const line = await eventually('the start-up log line', async () => deployer.output().split('\n').find((l) => l.includes('"deployer starting"')));
      expect(JSON.parse(line)).to.include({ api: version });
    });

    it('runs a deployment as a labelled job named after it, to FINISHED', async () => {
      const state = await status(id('hello'), 'FINISHED');
      expect(state.exit_code).to.equal(0);
      const [job, ...more] = await jobs(id('hello'));
      expect(more).to.have.length(0);
      expect(job).to.deep.include({ job_id: state.job_id, mcs_label: label, job_state: 'COMPLETED' });
    });

    it('reports a script that exits 3 as FAILED with exit code 3', async () => {
      expect(await status(id('fails'), 'FAILED')).to.deep.include({ exit_code: 3, reason: 'NonZeroExitCode' });
    });

    it('cancels the job of a deleted deployment', async () => {
      const key = id('deleted');
      const running = await status(key, 'RUNNING');
      await etcd.delete().key(deploymentKey(key, prefix));
      const cancelled = await eventually(`job ${running.job_id} CANCELLED`, async () => (await jobs(key)).find((j) => j.job_state === 'CANCELLED'));
      expect(cancelled.job_id).to.equal(running.job_id);
    });

    it('replaces the job when the args change: the old one cancelled, a new one running, generation 2', async () => {
      const key = id('replaced');
      const first = await status(key, 'RUNNING');
      await put(key, { script: '#!/bin/bash\nsleep 301\n' });
      const second = await reaches(key, (s) => s.status === 'RUNNING' && s.generation === 2 && s.job_id !== first.job_id, 'to run a second job');
      const byId = new Map((await jobs(key)).map((j) => [j.job_id, j.job_state]));
      expect([byId.get(first.job_id!), byId.get(second.job_id!)]).to.deep.equal(['CANCELLED', 'RUNNING']);
      await etcd.delete().key(deploymentKey(key, prefix));
    });

    it('after a restart, adopts the job it had submitted (no second job) and follows it to FINISHED', async () => {
      const key = id('adopted');
      // The job runs until the new deployer has sent its first poll, however late that comes: it
      // is running while the new deployer takes over, and ends under it. Restarted as soon as
      // its state names the job.
      const running = await reaches(key, (s) => s.job_id !== undefined, 'to name its job');
      exitCodes.push(await deployer.stop());
      deployer = start();
      await eventually("the new deployer's first poll", async () => (/"message":"polling /.test(deployer.output()) ? true : undefined), 60_000, 100);
      await adoptedRelease!.release();
      const finished = await status(key, 'FINISHED');
      expect(finished.job_id).to.equal(running.job_id);
      expect((await jobs(key)).map((j) => j.job_id)).to.deep.equal([running.job_id]);
    });
  });
}
