// The accounting specs' scenario, on the real slurmdbd of 24.11 and 26.05: one deployer per REST
// version (its own Config DB prefix and label) runs four deployments' jobs, then stops; the jobs
// end while no deployer runs (exit 0, exit 3, cancelled by an operator, past their time limit)
// and slurmctld forgets them (MinJobAge 30 s). The forgetting takes two to three minutes, the
// time limit included: spec/e2e/accounting.live.spec.ts starts the scenario and lets it go on
// while the other specs run; spec/releases/accounting.live.spec.ts, run later, waits for its end,
// starts the deployers again and judges their states. Each file alone runs it whole.

import { randomBytes } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { deploymentKey, stateKey } from '../../lib/configdb/paths.js';
import type { SlurmApiVersion } from '../../lib/slurm/api-versions.js';
import { accountingRecord, type AccountingRecord } from './accounting-raw.js';
import { deployerEnv, startDeployer, type DeployerProcess } from './deployer-process.js';
import { eventually } from './eventually.js';
import { jobRelease, type JobRelease } from './job-release.js';
import { removeBelow } from './live-prefix.js';
import { cancelRaw, rawJob } from './slurm-raw.js';
import { startRelease, type ReleaseEnv, type SlurmRelease } from './stack.js';

const RELEASES: Readonly<Partial<Record<SlurmRelease, readonly SlurmApiVersion[]>>> = {
  '24.11': ['v0.0.40', 'v0.0.41', 'v0.0.42'],
  '26.05': ['v0.0.42', 'v0.0.43', 'v0.0.44', 'v0.0.45'],
};
export const CASES = ['finishes', 'fails', 'cancelled', 'timeout'] as const;
export type Case = (typeof CASES)[number];

export interface State {
  readonly status: string;
  readonly job_id?: number;
  readonly exit_code?: number;
  readonly reason?: string;
}

/** One deployer on one release and version, and its four deployments. */
export interface Lane {
  readonly release: SlurmRelease;
  readonly version: SlurmApiVersion;
  /** The newest version of the release is negotiated; the others are forced (SDP_SLURMDEPLOY_API_VERSION). */
  readonly negotiated: boolean;
  readonly prefix: string;
  readonly releaseName: string;
  readonly label: string;
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

/** Every lane of the releases this run covers (SLURM_RELEASES), whether their stack has accounting or not. */
export const lanes: readonly Lane[] = Object.entries(RELEASES)
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
        label: `sdp_slurm_deployer_a${tag}_test`,
        key: (c) => `${c}-${tag}`,
        jobIds: new Map(),
        exitCodes: [],
      };
    }),
  );

export interface Scenario {
  readonly etcd: Etcd3;
  /** The lanes whose release runs slurmdbd (empty: nothing to judge here). */
  readonly active: readonly Lane[];
}

export function startOn(lane: Lane): DeployerProcess {
  const env = lane.env!;
  return startDeployer(
    deployerEnv({ ...env, SLURM_USER: env.SLURM_MATRIX_USER ?? env.SLURM_USER, SLURM_JWT: env.SLURM_MATRIX_JWT ?? env.SLURM_JWT }, lane.releaseName, {
      SDP_CONFIG_PREFIX: lane.prefix,
      SDP_SLURMDEPLOY_TAKEOVER_HOLD: '0',
      // Several deployers share one rate-limited user (2 RPCs a second): a state poll every 3 s each.
      SDP_SLURMDEPLOY_LOOP_INTERVAL: '3',
      ...(lane.negotiated ? {} : { SDP_SLURMDEPLOY_API_VERSION: lane.version }),
    }),
  );
}

export async function stateOf(etcd: Etcd3, lane: Lane, c: Case): Promise<State | undefined> {
  const text = await etcd.get(stateKey(lane.key(c), lane.prefix)).string();
  return text === null ? undefined : (JSON.parse(text) as State);
}

export function recordOf(lane: Lane, c: Case): Promise<AccountingRecord | undefined> {
  return accountingRecord(lane.env!, lane.version, lane.jobIds.get(c)!);
}

let running: Promise<Scenario> | undefined;
let purged: Promise<Scenario> | undefined;

/** Phase 1, once per process: every deployer runs its four deployments' jobs. */
export function jobsRunning(): Promise<Scenario> {
  running ??= (async () => {
    const envs = new Map<SlurmRelease, ReleaseEnv>();
    for (const release of new Set(lanes.map((l) => l.release))) {
      const env = await startRelease(release);
      if (env.SLURM_ACCOUNTING === '1') envs.set(release, env);
    }
    for (const lane of lanes) lane.env = envs.get(lane.release);
    const active = lanes.filter((l) => l.env !== undefined);
    const first = active[0]?.env ?? (await startRelease('22.05'));
    const etcd = new Etcd3({ hosts: `http://${first.SDP_CONFIG_HOST}:${first.SDP_CONFIG_PORT}` });
    const put = (lane: Lane, c: Case, args: Record<string, unknown>) =>
      etcd.put(deploymentKey(lane.key(c), lane.prefix)).value(JSON.stringify({ key: lane.key(c), kind: 'slurm', args }));
    for (const lane of active) {
      lane.deployer = startOn(lane);
      lane.releases = { finishes: jobRelease(lane.env!, lane.key('finishes')), fails: jobRelease(lane.env!, lane.key('fails')) };
      await put(lane, 'finishes', { script: `#!/bin/bash\n${lane.releases.finishes.wait}exit 0\n` });
      await put(lane, 'fails', { script: `#!/bin/bash\n${lane.releases.fails.wait}exit 3\n` });
      await put(lane, 'cancelled', { script: '#!/bin/bash\nsleep 600\n' });
      await put(lane, 'timeout', { script: '#!/bin/bash\nsleep 600\n', time_limit: 1 });
    }
    await Promise.all(
      active.flatMap((lane) =>
        CASES.map(async (c) => {
          const state = await eventually(`${lane.key(c)} RUNNING`, async () => {
            const s = await stateOf(etcd, lane, c);
            return s?.status === 'RUNNING' && s.job_id !== undefined ? s : undefined;
          }, 180_000, 500);
          lane.jobIds.set(c, state.job_id!);
        }),
      ),
    );
    return { etcd, active };
  })();
  return running;
}

/**
 * Phases 2 and 3, once per process: the deployers stop, the jobs end (released, cancelled by an
 * operator, timed out), and slurmctld forgets them: only accounting knows how they ended.
 */
export function jobsPurged(): Promise<Scenario> {
  purged ??= (async () => {
    const scenario = await jobsRunning();
    const { active } = scenario;
    for (const lane of active) lane.exitCodes.push(await lane.deployer!.stop());
    await Promise.all(
      active.flatMap((lane) => [lane.releases!.finishes.release(), lane.releases!.fails.release(), cancelRaw(lane.env!, lane.version, lane.jobIds.get('cancelled')!)]),
    );
    await Promise.all(
      active.flatMap((lane) =>
        CASES.map((c) =>
          eventually(`job ${lane.jobIds.get(c)} (${lane.key(c)}) ended and purged from slurmctld`, async () => {
            const gone = (await rawJob(lane.env!, lane.version, lane.jobIds.get(c)!)) === undefined;
            return gone && (await recordOf(lane, c)) !== undefined ? true : undefined;
          }, 300_000, 2_000),
        ),
      ),
    );
    return scenario;
  })();
  return purged;
}

/** Stops every deployer, removes the lanes' keys and cancels what is left of their jobs. */
export async function cleanUp(): Promise<void> {
  const scenario = await running?.catch(() => undefined);
  if (scenario === undefined) return;
  const { etcd } = scenario;
  for (const lane of lanes) {
    if (lane.restarted !== undefined) lane.exitCodes.push(await lane.restarted.stop());
    if (lane.deployer !== undefined) await lane.deployer.stop();
    await lane.releases?.finishes.remove();
    await lane.releases?.fails.remove();
    await removeBelow(etcd, lane.prefix);
    // Jobs of a run that failed before they ended (a bad run must not leave sleep 600 behind).
    for (const id of lane.jobIds.values()) if (lane.env !== undefined) await cancelRaw(lane.env, lane.version, id);
  }
  etcd.close();
}
