// The truth from Slurm accounting, on the real slurmdbd of 24.11 and 26.05 (scripts/chroot-slurm.sh
// runs one behind each) and on every REST version they serve: jobs that end while no deployer
// runs, and that slurmctld then forgets (MinJobAge 30 s there), get their true final state when a
// deployer starts again, never "job lost". One deployer per version, on a Config DB prefix and
// label of its own, all versions of both releases at once: the wait for slurmctld to purge the
// jobs (a minute or two, the timed-out job's time limit included) is paid once.

import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { deploymentKey, deploymentsKeyPrefix, registryKeyPrefix, stateKey, statesKeyPrefix, watermarkKey } from '../../lib/configdb/paths.js';
import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import { accountingRecord, type AccountingRecord } from '../support/accounting-raw.js';
import { deployerEnv, startDeployer, type DeployerProcess } from '../support/deployer-process.js';
import { eventually } from '../support/eventually.js';
import { jobRelease, type JobRelease } from '../support/job-release.js';
import { reportMatrixLine } from '../support/matrix-summary.js';
import { cancelRaw, rawJob } from '../support/slurm-raw.js';
import { startRelease, type ReleaseEnv, type SlurmRelease } from '../support/stack.js';

const RELEASES: Readonly<Partial<Record<SlurmRelease, readonly SlurmApiVersion[]>>> = {
  '24.11': ['v0.0.40', 'v0.0.41', 'v0.0.42'],
  '26.05': ['v0.0.42', 'v0.0.43', 'v0.0.44', 'v0.0.45'],
};
const CASES = ['finishes', 'fails', 'cancelled', 'timeout'] as const;
type Case = (typeof CASES)[number];

interface State {
  readonly status: string;
  readonly job_id?: number;
  readonly exit_code?: number;
  readonly reason?: string;
}

/** One deployer on one release and version, and its four deployments. */
interface Lane {
  readonly release: SlurmRelease;
  readonly version: SlurmApiVersion;
  /** The newest version of the release is negotiated; the others are forced (SDP_SLURMDEPLOY_API_VERSION). */
  readonly negotiated: boolean;
  readonly prefix: string;
  readonly releaseName: string;
  readonly key: (c: Case) => string;
  env?: ReleaseEnv;
  deployer?: DeployerProcess;
  /** The deployer of the second start: the one that meets the jobs only in accounting. */
  restarted?: DeployerProcess;
  releases?: Record<'finishes' | 'fails', JobRelease>;
  readonly jobIds: Map<Case, number>;
  readonly exitCodes: (number | null)[];
}

const only = process.env['SLURM_RELEASES']?.trim();
const wanted = (release: string) => only === undefined || only === '' || only.split(/[\s,]+/).includes(release);
const run = randomBytes(3).toString('hex');
const lanes: Lane[] = Object.entries(RELEASES)
  .filter(([release]) => wanted(release))
  .flatMap(([release, versions]) =>
    versions!.map((version, i): Lane => {
      const tag = `${release.replace('.', '')}${version.slice(-2)}${run}`;
      return {
        release: release as SlurmRelease,
        version,
        negotiated: i === versions!.length - 1,
        prefix: `/acct${tag}`,
        releaseName: `a${tag}`,
        key: (c) => `${c}-${tag}`,
        jobIds: new Map(),
        exitCodes: [],
      };
    }),
  );

const label = (lane: Lane) => `sdp_slurm_deployer_${lane.releaseName}_test`;

describe('the truth from Slurm accounting: jobs that end and age out while no deployer runs @live', function () {
  this.timeout(200_000);
  let etcd: Etcd3 | undefined;
  let ready = false;

  const startOn = (lane: Lane, env: ReleaseEnv) =>
    startDeployer(
      deployerEnv({ ...env, SLURM_USER: env.SLURM_MATRIX_USER ?? env.SLURM_USER, SLURM_JWT: env.SLURM_MATRIX_JWT ?? env.SLURM_JWT }, lane.releaseName, {
        SDP_CONFIG_PREFIX: lane.prefix,
        SDP_SLURMDEPLOY_TAKEOVER_HOLD: '0',
        // Seven deployers share one rate-limited user (2 RPCs a second): a state poll every 3 s each.
        SDP_SLURMDEPLOY_LOOP_INTERVAL: '3',
        ...(lane.negotiated ? {} : { SDP_SLURMDEPLOY_API_VERSION: lane.version }),
      }),
    );
  const stateOf = async (lane: Lane, c: Case): Promise<State | undefined> => {
    const text = await etcd!.get(stateKey(lane.key(c), lane.prefix)).string();
    return text === null ? undefined : (JSON.parse(text) as State);
  };
  const put = (lane: Lane, c: Case, args: Record<string, unknown>) =>
    etcd!.put(deploymentKey(lane.key(c), lane.prefix)).value(JSON.stringify({ key: lane.key(c), kind: 'slurm', args }));
  const record = (lane: Lane, c: Case) => accountingRecord(lane.env!, lane.version, lane.jobIds.get(c)!);

  before(async function () {
    this.timeout(900_000);
    if (lanes.length === 0) this.skip();
    const envs = new Map<SlurmRelease, ReleaseEnv>();
    for (const release of new Set(lanes.map((l) => l.release))) {
      const env = await startRelease(release);
      if (env.SLURM_ACCOUNTING === '1') envs.set(release, env);
    }
    for (const lane of lanes) lane.env = envs.get(lane.release);
    const active = lanes.filter((l) => l.env !== undefined);
    if (active.length === 0) this.skip();
    const first = active[0]!.env!;
    etcd = new Etcd3({ hosts: `http://${first.SDP_CONFIG_HOST}:${first.SDP_CONFIG_PORT}` });

    // 1. Every deployer runs its four deployments' jobs.
    await Promise.all(
      active.map(async (lane) => {
        lane.deployer = startOn(lane, lane.env!);
        lane.releases = { finishes: jobRelease(lane.env!, lane.key('finishes')), fails: jobRelease(lane.env!, lane.key('fails')) };
        await put(lane, 'finishes', { script: `#!/bin/bash\n${lane.releases.finishes.wait}exit 0\n` });
        await put(lane, 'fails', { script: `#!/bin/bash\n${lane.releases.fails.wait}exit 3\n` });
        await put(lane, 'cancelled', { script: '#!/bin/bash\nsleep 600\n' });
        await put(lane, 'timeout', { script: '#!/bin/bash\nsleep 600\n', time_limit: 1 });
      }),
    );
    await Promise.all(
      active.flatMap((lane) =>
        CASES.map(async (c) => {
          const running = await eventually(`${lane.key(c)} RUNNING`, async () => {
            const s = await stateOf(lane, c);
            return s?.status === 'RUNNING' && s.job_id !== undefined ? s : undefined;
          }, 180_000, 500);
          lane.jobIds.set(c, running.job_id!);
        }),
      ),
    );
    // 2. No deployer runs while the jobs end: released, cancelled by an operator, timed out.
    for (const lane of active) lane.exitCodes.push(await lane.deployer!.stop());
    await Promise.all(
      active.flatMap((lane) => [lane.releases!.finishes.release(), lane.releases!.fails.release(), cancelRaw(lane.env!, lane.version, lane.jobIds.get('cancelled')!)]),
    );
    // 3. ...and slurmctld forgets them: only accounting knows how they ended.
    await Promise.all(
      active.flatMap((lane) =>
        CASES.map((c) =>
          eventually(`job ${lane.jobIds.get(c)} (${lane.key(c)}) ended and purged from slurmctld`, async () => {
            const gone = (await rawJob(lane.env!, lane.version, lane.jobIds.get(c)!)) === undefined;
            return gone && (await record(lane, c)) !== undefined ? true : undefined;
          }, 300_000, 2_000),
        ),
      ),
    );
    // 4. The deployers start again.
    for (const lane of active) lane.restarted = startOn(lane, lane.env!);
    ready = true;
  });

  after(async function () {
    this.timeout(120_000);
    for (const lane of lanes) {
      if (lane.restarted !== undefined) lane.exitCodes.push(await lane.restarted.stop());
      if (lane.deployer !== undefined) await lane.deployer.stop();
      await lane.releases?.finishes.remove();
      await lane.releases?.fails.remove();
      if (etcd !== undefined) {
        await etcd.delete().prefix(deploymentsKeyPrefix(lane.prefix));
        await etcd.delete().prefix(statesKeyPrefix(lane.prefix));
        await etcd.delete().key(watermarkKey(label(lane), lane.prefix));
        await etcd.delete().prefix(registryKeyPrefix(label(lane), lane.prefix));
      }
      // Jobs of a run that failed before they ended (a bad spec must not leave sleep 600 behind).
      for (const id of lane.jobIds.values()) if (lane.env !== undefined) await cancelRaw(lane.env, lane.version, id);
    }
    etcd?.close();
  });

  for (const lane of lanes) {
    describe(`Slurm ${lane.release}, ${lane.version} (${lane.negotiated ? 'negotiated' : 'forced'}) @slurm-${lane.release}`, function () {
      const finalState = async (ctx: Mocha.Context, c: Case): Promise<{ state: State; acct: AccountingRecord }> => {
        if (!ready || lane.env === undefined) ctx.skip();
        const jobId = lane.jobIds.get(c)!;
        const state = await eventually(`${lane.key(c)} to leave RUNNING`, async () => {
          const s = await stateOf(lane, c);
          return s !== undefined && s.status !== 'RUNNING' && s.status !== 'PENDING' ? s : undefined;
        }, 180_000, 500);
        // The same job, never a second one: a deployment whose job ended is not submitted again.
        expect(state.job_id, `${lane.key(c)}'s job`).to.equal(jobId);
        expect(state.reason ?? '', 'never "job lost"').not.to.match(/job lost/);
        return { state, acct: (await record(lane, c))! };
      };

      afterEach(function () {
        if (this.currentTest?.state !== 'failed') return;
        const lines = (lane.restarted?.output() ?? '').trimEnd().split('\n');
        console.log(`--- the restarted deployer of ${lane.release} ${lane.version}, its last 40 lines:\n${lines.slice(-40).join('\n')}`);
      });

      after(function () {
        reportMatrixLine(lane.release, `${lane.version} accounting`, this.test?.parent);
        expect(lane.exitCodes, 'deployer exit codes after SIGTERM').to.deep.equal(lane.exitCodes.map(() => 0));
      });

      it('a job that exited 0 is FINISHED with exit code 0', async function () {
        const { state, acct } = await finalState(this, 'finishes');
        expect(acct).to.include({ state: 'COMPLETED', return_code: 0 });
        expect(state).to.include({ status: 'FINISHED', exit_code: 0 });
      });

      it('a job that exited 3 is FAILED with exit code 3', async function () {
        const { state, acct } = await finalState(this, 'fails');
        expect(acct).to.include({ state: 'FAILED', return_code: 3 });
        expect(state).to.include({ status: 'FAILED', exit_code: 3 });
      });

      it('a job an operator cancelled is CANCELLED', async function () {
        const { state, acct } = await finalState(this, 'cancelled');
        expect(acct.state).to.equal('CANCELLED');
        expect(state.status).to.equal('CANCELLED');
      });

      it('a job past its time limit is FAILED (Slurm TIMEOUT)', async function () {
        const { state, acct } = await finalState(this, 'timeout');
        expect(acct.state).to.equal('TIMEOUT');
        expect(state.status).to.equal('FAILED');
      });

      it("keeps the deployer's identity of each job in the stored comment, and its label", async function () {
        if (!ready || lane.env === undefined) this.skip();
        for (const c of CASES) {
          const acct = (await record(lane, c))!;
          expect(acct.comment, `${lane.key(c)}'s comment in accounting`).to.match(new RegExp(`deployment=${lane.key(c)};submit=[^;]+;spec=`));
          expect(acct.mcs_label).to.equal(label(lane));
        }
      });
    });
  }
});
