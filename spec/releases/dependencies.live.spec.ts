// Ordering between deployments on every real release (issue 21): `node bin/deployer` runs a chain
// a -> b -> c (after_ok) in order, each job starting once the one before ended; and in a chain
// whose b fails, c never runs and is FAILED with the reason. The deployments are put last first,
// so that c waits for ids that come a moment later. SLURM_RELEASES limits the releases, as in
// the matrix.

import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { deploymentKey, deploymentsKeyPrefix, registryKeyPrefix, stateKey, statesKeyPrefix, watermarkKey } from '../../lib/configdb/paths.js';
import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import { deployerEnv, startDeployer, type DeployerProcess } from '../support/deployer-process.js';
import { eventually } from '../support/eventually.js';
import { cancelRaw, rawJobs, rawJobsNamed, type RawJob } from '../support/slurm-raw.js';
import { startRelease, type ReleaseEnv, type SlurmRelease } from '../support/stack.js';

interface State {
  readonly status: string;
  readonly job_id?: number;
  readonly exit_code?: number;
  readonly reason?: string;
}

/** Each release on the newest version it serves (the deployer negotiates it). */
const RELEASES: readonly (readonly [SlurmRelease, SlurmApiVersion])[] = [
  ['22.05', 'v0.0.38'],
  ['24.11', 'v0.0.42'],
  ['26.05', 'v0.0.45'],
];

const only = process.env['SLURM_RELEASES']?.trim();
for (const [release, version] of RELEASES) {
  if (only !== undefined && only !== '' && !only.split(/[\s,]+/).includes(release)) continue;
  describe(`dependencies between deployments on Slurm ${release} (${version}) @live @slurm-${release}`, function () {
    this.timeout(180_000);
    const run = randomBytes(3).toString('hex');
    const prefix = `/deps${release.replace('.', '')}${run}`;
    const releaseName = `d${release.replace('.', '')}${run}`;
    const label = `sdp_slurm_deployer_${releaseName}_test`;
    const id = (what: string) => `${what}-${run}`;
    const marker = `ran-${id('fail-c')}`;
    let env: ReleaseEnv;
    let etcd: Etcd3;
    let deployer: DeployerProcess | undefined;

    const put = (key: string, args: unknown) => etcd.put(deploymentKey(key, prefix)).value(JSON.stringify({ key, kind: 'slurm', args }));
    const stateOf = async (key: string): Promise<State | undefined> => {
      const text = await etcd.get(stateKey(key, prefix)).string();
      return text === null ? undefined : (JSON.parse(text) as State);
    };
    const ended = (key: string) =>
      eventually(`${key} to end`, async () => {
        const state = await stateOf(key);
        return state !== undefined && ['FINISHED', 'FAILED', 'CANCELLED'].includes(state.status) ? state : undefined;
      }, 150_000, 250);
    const jobOf = async (key: string): Promise<RawJob> => {
      const [job, ...more] = await rawJobsNamed(env, version, key);
      expect(more, `jobs of ${key}`).to.have.length(0);
      expect(job, `the job of ${key}`).to.not.equal(undefined);
      return job!;
    };
    const seconds = (job: RawJob, field: string) => Number(job.fields[field]);

    before(async function () {
      this.timeout(900_000);
      env = await startRelease(release);
      etcd = new Etcd3({ hosts: `http://${env.SDP_CONFIG_HOST}:${env.SDP_CONFIG_PORT}` });
      const user = { ...env, SLURM_USER: env.SLURM_MATRIX_USER ?? env.SLURM_USER, SLURM_JWT: env.SLURM_MATRIX_JWT ?? env.SLURM_JWT };
      deployer = startDeployer(deployerEnv(user, releaseName, { SDP_CONFIG_PREFIX: prefix, SDP_SLURMDEPLOY_TAKEOVER_HOLD: '0' }));
      const step = (name: string, body: string) => `#!/bin/bash\necho "${name} $(date +%s.%N)"\n${body}\n`;
      // Last first: each waits a moment for an id no deployment has yet.
      await put(id('ok-c'), { script: step('c', 'sleep 1'), after_ok: [id('ok-b')] });
      await put(id('ok-b'), { script: step('b', 'sleep 1'), after_ok: [id('ok-a')] });
      await put(id('ok-a'), { script: step('a', 'sleep 1') });
      await put(id('fail-c'), { script: step('c', `touch ${marker}`), after_ok: [id('fail-b')] });
      await put(id('fail-b'), { script: step('b', 'exit 1'), after_ok: [id('fail-a')] });
      await put(id('fail-a'), { script: step('a', 'true') });
    });

    after(async function () {
      const code = (await deployer?.stop()) ?? null;
      await etcd?.delete().prefix(deploymentsKeyPrefix(prefix));
      await etcd?.delete().prefix(statesKeyPrefix(prefix));
      await etcd?.delete().key(watermarkKey(label, prefix));
      await etcd?.delete().prefix(registryKeyPrefix(label, prefix));
      etcd?.close();
      const left = env === undefined ? [] : (await rawJobs(env, version)).filter((j) => j.mcs_label === label && (j.job_state === 'PENDING' || j.job_state === 'RUNNING'));
      await Promise.all(left.map((j) => cancelRaw(env, version, j.job_id)));
      if (code !== 0) console.log(deployer?.output());
      expect(code, 'deployer exit code after SIGTERM').to.equal(0);
    });

    it('runs a -> b -> c (after_ok) in order: each job starts after the one before it ended, each FINISHED', async () => {
      const states = [await ended(id('ok-a')), await ended(id('ok-b')), await ended(id('ok-c'))];
      expect(states.map((s) => s.status)).to.deep.equal(['FINISHED', 'FINISHED', 'FINISHED']);
      const [a, b, c] = [await jobOf(id('ok-a')), await jobOf(id('ok-b')), await jobOf(id('ok-c'))];
      expect([a.job_id, b.job_id, c.job_id]).to.deep.equal(states.map((s) => s.job_id));
      expect(seconds(b, 'start_time'), 'b starts after a ended').to.be.at.least(seconds(a, 'end_time'));
      expect(seconds(c, 'start_time'), 'c starts after b ended').to.be.at.least(seconds(b, 'end_time'));
    });

    it('b FAILED: c never runs and is FAILED, saying why', async () => {
      expect(await ended(id('fail-b'))).to.deep.include({ status: 'FAILED', exit_code: 1 });
      const c = await ended(id('fail-c'));
      expect(c.status).to.equal('FAILED');
      console.log(`      (${release}: c ${c.job_id === undefined ? 'was never submitted: b had ended first' : `was submitted as job ${c.job_id}, which Slurm cancelled`})`);
      // Submitted while b's job waited (the usual case): Slurm cancels c's job as DependencyNeverSatisfied.
      // Had the deployer seen b end first, c would not have been submitted at all.
      if (c.job_id === undefined) {
        expect(c.reason).to.match(new RegExp(`^dependency failed: ${id('fail-b')} \\(after_ok\\): its job \\d+ ended FAILED`));
      } else {
        expect(c.reason).to.match(/^DependencyNeverSatisfied: /);
        const job = await jobOf(id('fail-c'));
        expect([job.job_state, job.fields['state_reason']]).to.deep.equal(['CANCELLED', 'DependencyNeverSatisfied']);
        // What the deployer sent, read back: the dependency on b's job, as Slurm judged it.
        const b = await stateOf(id('fail-b'));
        expect(job.fields['dependency']).to.equal(`afterok:${b?.job_id}(failed)`);
      }
      const ran = await access(path.join(env.SLURM_JOB_DIR_ON_HOST, marker)).then(
        () => true,
        () => false,
      );
      expect(ran, 'c ran').to.equal(false);
    });
  });
}
