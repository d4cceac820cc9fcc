// What the soak works with: three replicas of the deployer (`node bin/deployer`), each reaching a
// private 3-member etcd cluster through a link of its own (tcp-proxy.ts), against a rate-limited
// chroot Slurm as the bench's user (a rate-limit bucket of its own); and the views of etcd the
// soak needs: states, the leader. Everything it prints goes to the timeline as well.

import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3 } from 'etcd3';
import { jobLabel } from '../../lib/config/job-label.js';
import { noMemberBreaker } from '../../lib/configdb/etcd-member-policy.js';
import { readLeader } from '../../lib/configdb/leader-election.js';
import { deploymentKey, parseKey, statesKeyPrefix } from '../../lib/configdb/paths.js';
import type { DeploymentState } from '../../lib/core/deployment-state.js';
import { inRoot, openRelease, type Release } from '../../scripts/bench/production/release.js';
import { shippedNodeFlags, shippedVariable } from '../../scripts/image/shipped-env.js';
import { startEtcdCluster, type EtcdCluster } from '../support/etcd-cluster.js';
import { freePort } from '../support/free-port.js';
import { mintSlurmToken } from '../support/slurm-tokens.js';
import { DeployerUnderTest } from './deployer-under-test.js';
import { EtcdLink } from './tcp-proxy.js';

export interface Replica {
  readonly id: string;
  readonly process: DeployerUnderTest;
  readonly link: EtcdLink;
  /** Its `/metrics`: the process's heap and external memory beside the RSS read from /proc. */
  readonly metricsUrl: string;
}

export interface SoakRig {
  readonly tag: string;
  readonly dir: string;
  readonly release: Release;
  /** The mcs label of this run's jobs (its release name is the run's own). */
  readonly label: string;
  readonly cluster: EtcdCluster;
  readonly replicas: readonly Replica[];
  /** Puts a deployment's value; the etcd revision of the put (its submit id is `r<revision>`). */
  put(id: string, value: string): Promise<number>;
  remove(id: string): Promise<void>;
  states(): Promise<Map<string, DeploymentState>>;
  leader(): Promise<Replica | undefined>;
  /** A line for the timeline (timeline.log in the run's folder) and the caller's output. */
  say(line: string): void;
  close(): Promise<void>;
}

const LEADER_TTL_S = 10;

export interface SoakRigOptions {
  readonly tag: string;
  readonly release: string;
  readonly loopIntervalS: number;
  /** Replicas run with V8's --trace-gc; each line they print is heard here. */
  readonly traceGc?: (replica: string, line: string) => void;
  readonly say: (line: string) => void;
}

export async function openSoakRig(options: SoakRigOptions): Promise<SoakRig> {
  const { tag } = options;
  const dir = path.join('/tmp', `sdp-soak-${tag}`);
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const say = (line: string) => {
    const stamped = `+${((Date.now() - started) / 1000).toFixed(1).padStart(7)} s  ${line}`;
    appendFileSync(path.join(dir, 'timeline.log'), `${new Date().toISOString()} ${stamped}\n`);
    options.say(stamped);
  };
  const release = await openRelease(options.release);
  const cluster = await startEtcdCluster(`soak${tag}`);
  const client = new Etcd3({
    hosts: cluster.endpoints.split(','),
    dialTimeout: 3000,
    defaultCallOptions: (c) => (c.isStream ? {} : { deadline: Date.now() + 5000 }),
    faultHandling: { host: noMemberBreaker },
  });
  const releaseName = `soak${tag}`;
  const label = jobLabel(releaseName, 'test');
  const now = Math.floor(Date.now() / 1000);
  const keyFile = release.env['SLURM_JWT_KEY_FILE'];
  if (keyFile === undefined) throw new Error(`stack-${options.release}.env has no SLURM_JWT_KEY_FILE`);
  // A token for the whole run and beyond: its refresh is not what the soak looks at.
  const token = mintSlurmToken(keyFile, release.benchUser, now + 60 * 86_400, now - 60);
  const replicas: Replica[] = [];
  for (const id of ['r1', 'r2', 'r3']) {
    const link = await EtcdLink.start(cluster.ports);
    const metricsPort = await freePort();
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      // As the image runs it (its heap bound and malloc arenas; docs/memory-and-bench.md, Memory).
      NODE_OPTIONS: shippedVariable('NODE_OPTIONS'),
      MALLOC_ARENA_MAX: shippedVariable('MALLOC_ARENA_MAX'),
      SDP_SLURMDEPLOY_SLURM_URL: release.url,
      SDP_SLURMDEPLOY_CLIENT_ID: release.benchUser,
      SDP_SLURMDEPLOY_SLURM_JWT: token,
      SDP_SLURMDEPLOY_RELEASE_NAME: releaseName,
      SDP_SLURMDEPLOY_NAMESPACE: 'test',
      SDP_SLURMDEPLOY_REPLICA_ID: id,
      SDP_SLURMDEPLOY_LEADER_TTL: String(LEADER_TTL_S),
      SDP_SLURMDEPLOY_LOOP_INTERVAL: String(options.loopIntervalS),
      SDP_SLURMDEPLOY_JOB_WORKDIR: release.jobDir,
      SDP_SLURMDEPLOY_METRICS_PORT: String(metricsPort),
      SDP_SLURMDEPLOY_METRICS_HOST: '127.0.0.1',
      SDP_SLURMDEPLOY_LIVENESS_FILE: path.join(dir, `alive-${id}`),
      SDP_CONFIG_ENDPOINTS: link.endpoints,
      SDP_LOG_LEVEL: 'INFO',
      SDP_LOG_FORMAT: 'json',
    };
    const hear = options.traceGc;
    // Node's flags as the image's entrypoint gives them (--no-memory-reducer --max-opt=1), and V8's GC trace when asked.
    const nodeArgs = [...shippedNodeFlags(), ...(hear === undefined ? [] : ['--trace-gc'])];
    const log = path.join(dir, `${id}.log`);
    replicas.push({ id, process: new DeployerUnderTest(env, log, hear === undefined ? undefined : (line) => hear(id, line), nodeArgs), link, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` });
  }
  // etcd answers "no leader" while the cluster elects (a member killed): each call is retried.
  const retried = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (attempt >= 30) throw new Error(`${what}: ${(error as Error).message}`);
        await sleep(1000);
      }
    }
  };

  return {
    tag,
    dir,
    release,
    label,
    cluster,
    replicas,
    say,
    // A put whose answer was lost may have landed: the value (each one unique) tells, and its revision.
    put: (id, value) =>
      retried(`put ${id}`, async () => {
        const landed = await client.get(deploymentKey(id)).exec().then((r) => r.kvs[0], () => undefined);
        if (landed !== undefined && landed.value.toString() === value) return Number(landed.mod_revision);
        return Number((await client.put(deploymentKey(id)).value(value).exec()).header.revision);
      }),
    remove: (id) => retried(`delete ${id}`, async () => void (await client.delete().key(deploymentKey(id)).exec())),
    states: () =>
      retried('states', async () => {
        const kvs = await client.getAll().prefix(statesKeyPrefix()).strings();
        const states = new Map<string, DeploymentState>();
        for (const [key, text] of Object.entries(kvs)) {
          const parsed = parseKey(key);
          if (parsed?.isState === true) states.set(parsed.deploymentId, JSON.parse(text) as DeploymentState);
        }
        return states;
      }),
    leader: async () => {
      const holder = await retried('leader', () => readLeader(client, '', label));
      return replicas.find((r) => r.id === holder?.replicaId);
    },
    close: async () => {
      for (const r of replicas) {
        r.link.heal();
        r.process.freeze(false);
      }
      await Promise.all(replicas.map((r) => r.process.stop()));
      // Leave no load on the shared Slurm: this run's jobs, by id, as root (the bench user is shared).
      const listing = await inRoot(release.root, ['squeue', '-h', '-u', release.benchUser, '-o', '%i|%j']).catch(() => '');
      const ours = listing.split('\n').flatMap((l) => (l.split('|')[1]?.includes(tag) === true ? [l.split('|')[0] ?? ''] : []));
      if (ours.length > 0) await inRoot(release.root, ['scancel', ...ours]).catch(() => undefined);
      await Promise.all(replicas.map((r) => r.link.close()));
      client.close();
      await cluster.dispose();
    },
  };
}
