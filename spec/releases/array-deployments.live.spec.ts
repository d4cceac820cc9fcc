// Array jobs (issue 21) through `node bin/deployer` on each real release, as docs/deployments.md's "Array
// jobs" says: one deployment per array, its state that of the record under the submitted job id
// (the array while it pends, then its last task to start: the highest index here), the tasks
// split off under ids of their own neither followed nor cancelled as duplicates, and the whole
// array cancelled when the deployment is deleted. SLURM_RELEASES (e.g. "22.05") limits the releases.

import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { deploymentKey, stateKey } from '../../lib/configdb/paths.js';
import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import { deployerEnv, startDeployer, type DeployerProcess } from '../support/deployer-process.js';
import { eventually } from '../support/eventually.js';
import { removeBelow } from '../support/live-prefix.js';
import { cancelRaw, rawJobs, type RawJob } from '../support/slurm-raw.js';
import { startRelease, type ReleaseEnv, type SlurmRelease } from '../support/stack.js';

/** The newest REST version of each release: the one its deployer negotiates, and raw reads use. */
const RELEASES: ReadonlyArray<[SlurmRelease, SlurmApiVersion]> = [
  ['22.05', 'v0.0.38'],
  ['24.11', 'v0.0.42'],
  ['26.05', 'v0.0.45'],
];

interface State {
  readonly status: string;
  readonly job_id?: number;
  readonly exit_code?: number;
  readonly duplicate_jobs?: readonly number[];
}

/** An array's task as Slurm shows it: index, job id and state. */
interface Task {
  readonly task: number;
  readonly jobId: number;
  readonly state: string;
}

const only = process.env['SLURM_RELEASES']?.trim();

for (const [release, version] of RELEASES) {
  if (only !== undefined && only !== '' && !only.split(/[\s,]+/).includes(release)) continue;

  describe(`array deployments on Slurm ${release} (${version}) @live @slurm-${release}`, function () {
    this.timeout(180_000);
    const run = randomBytes(3).toString('hex');
    const prefix = `/arrays${release.replace('.', '')}${run}`;
    const releaseName = `a${release.replace('.', '')}${run}`;
    const label = `sdp_slurm_deployer_${releaseName}_test`;
    const id = (what: string) => `${what}-${run}`;
    /** Tasks 0-2, each a few seconds long; task `fails` (if any) exits 3. */
    const array = (fails?: number) => ({
      script: `#!/bin/bash\nsleep 3\n${fails === undefined ? '' : `[ "$SLURM_ARRAY_TASK_ID" = ${fails} ] && exit 3\n`}exit 0\n`,
      array: '0-2',
    });
    let env: ReleaseEnv;
    let etcd: Etcd3;
    let deployer: DeployerProcess;
    let exitCode: number | null | undefined;

    const stateOf = async (key: string): Promise<State | undefined> => {
      const text = await etcd.get(stateKey(key, prefix)).string();
      return text === null ? undefined : (JSON.parse(text) as State);
    };
    const reaches = (key: string, statuses: readonly string[]) =>
      eventually(`${key} to reach ${statuses.join(' or ')}`, async () => {
        const state = await stateOf(key);
        return state !== undefined && statuses.includes(state.status) ? state : undefined;
      }, 120_000, 250);
    /** The tasks of the array under `arrayJobId`, by index (read as SlurmUser: no rate limit). */
    const tasksOf = async (arrayJobId: number): Promise<Task[]> =>
      (await rawJobs(env, version))
        .filter((j: RawJob) => j.mcs_label === label && j.fields['array_job_id'] === arrayJobId)
        .map((j) => ({ task: Number(j.fields['array_task_id']), jobId: j.job_id, state: j.job_state }))
        .sort((a, b) => a.task - b.task);
    /** The tasks once all three have ended (ended tasks stay listed for MinJobAge: 30 s on the chroots). */
    const endedTasks = (arrayJobId: number) =>
      eventually(`the tasks of array ${arrayJobId} to end`, async () => {
        const tasks = await tasksOf(arrayJobId);
        return tasks.length === 3 && tasks.every((t) => !['PENDING', 'RUNNING', 'COMPLETING', 'CONFIGURING'].includes(t.state)) ? tasks : undefined;
      }, 60_000, 500);

    before(async function () {
      this.timeout(900_000);
      env = await startRelease(release);
      etcd = new Etcd3({ hosts: `http://${env.SDP_CONFIG_HOST}:${env.SDP_CONFIG_PORT}` });
      const user = { ...env, SLURM_USER: env.SLURM_MATRIX_USER ?? env.SLURM_USER, SLURM_JWT: env.SLURM_MATRIX_JWT ?? env.SLURM_JWT };
      deployer = startDeployer(deployerEnv(user, releaseName, { SDP_CONFIG_PREFIX: prefix, SDP_SLURMDEPLOY_TAKEOVER_HOLD: '0' }));
      const put = (key: string, args: unknown) => etcd.put(deploymentKey(key, prefix)).value(JSON.stringify({ key, kind: 'slurm', args }));
      await put(id('ok'), array());
      await put(id('lastfails'), array(2));
      await put(id('firstfails'), array(0));
      await put(id('deleted'), { script: '#!/bin/bash\nsleep 300\n', array: '0-2' });
    });

    after(async () => {
      exitCode = await deployer?.stop();
      if (etcd !== undefined) await removeBelow(etcd, prefix);
      etcd?.close();
      const left = env === undefined ? [] : (await rawJobs(env, version)).filter((j) => j.mcs_label === label && (j.job_state === 'PENDING' || j.job_state === 'RUNNING'));
      await Promise.all(left.map((j) => cancelRaw(env, version, j.job_id)));
      if (exitCode !== 0) console.log(deployer?.output());
      expect(exitCode, 'deployer exit code after SIGTERM').to.equal(0);
    });

    it('an array whose tasks all succeed is one deployment, FINISHED; no task is taken for a duplicate nor cancelled', async () => {
      const state = await reaches(id('ok'), ['FINISHED', 'FAILED']);
      const tasks = await endedTasks(state.job_id ?? -1);
      expect({ status: state.status, exit_code: state.exit_code, duplicate_jobs: state.duplicate_jobs }).to.deep.equal({ status: 'FINISHED', exit_code: 0, duplicate_jobs: undefined });
      expect(tasks.map((t) => [t.task, t.state])).to.deep.equal([[0, 'COMPLETED'], [1, 'COMPLETED'], [2, 'COMPLETED']]);
      // The submitted id stays with the last task to start, task 2; 0 and 1 have ids of their own.
      expect(tasks.find((t) => t.jobId === state.job_id)?.task).to.equal(2);
      expect(deployer.output()).not.to.match(/"why":"duplicate"/);
    });

    it("its state is that of the record under the submitted id: the highest task's failure FAILS it, another's does not", async () => {
      const last = await reaches(id('lastfails'), ['FINISHED', 'FAILED']);
      const first = await reaches(id('firstfails'), ['FINISHED', 'FAILED']);
      const [lastTasks, firstTasks] = [await endedTasks(last.job_id ?? -1), await endedTasks(first.job_id ?? -1)];
      expect(lastTasks.map((t) => t.state)).to.deep.equal(['COMPLETED', 'COMPLETED', 'FAILED']);
      expect(firstTasks.map((t) => t.state)).to.deep.equal(['FAILED', 'COMPLETED', 'COMPLETED']);
      expect([last.status, last.exit_code, first.status, first.exit_code]).to.deep.equal(['FAILED', 3, 'FINISHED', 0]);
    });

    it('deleting a running array deployment cancels every task of the array', async () => {
      const running = await reaches(id('deleted'), ['RUNNING']);
      await eventually('its three tasks running', async () => ((await tasksOf(running.job_id ?? -1)).filter((t) => t.state === 'RUNNING').length === 3 ? true : undefined), 60_000, 500);
      await etcd.delete().key(deploymentKey(id('deleted'), prefix));
      const tasks = await endedTasks(running.job_id ?? -1);
      expect(tasks.map((t) => t.state)).to.deep.equal(['CANCELLED', 'CANCELLED', 'CANCELLED']);
    });
  });
}
