// A private 3-member etcd cluster for one spec file (scripts/etcd-cluster.sh), on free loopback
// ports, in a dir of its own under the stack dir; purged by dispose(). The shared etcd is untouched.

import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { noMemberBreaker } from '../../lib/configdb/etcd-member-policy.js';
import { repoRoot } from './repo.js';
import { stackDir } from './stack.js';

const run = promisify(execFile);
const SCRIPT = path.join(repoRoot, 'scripts', 'etcd-cluster.sh');

export interface EtcdCluster {
  /** SDP_CONFIG_ENDPOINTS: the three client URLs. */
  readonly endpoints: string;
  /** Client port of member 1, 2, 3. */
  readonly ports: readonly number[];
  /**
   * A client of all three members, made afresh for each use: etcd3's circuit breakers can keep a
   * client away from a member that came back (or from all, while the cluster elects) for seconds.
   */
  withClient<T>(use: (client: Etcd3) => Promise<T>): Promise<T>;
  kill(member: number): Promise<void>;
  start(member: number): Promise<void>;
  dispose(): Promise<void>;
}

export async function startEtcdCluster(name: string): Promise<EtcdCluster> {
  const base = await freePortRun(6);
  const env = { ...process.env, SDP_ETCD_CLUSTER_DIR: path.join(stackDir(), `etcd-cluster-${name}-${process.pid}`), SDP_ETCD_CLUSTER_PORT: String(base) };
  const script = (...args: string[]) => run('bash', [SCRIPT, ...args], { env, timeout: 90_000 }).then((r) => r.stdout);
  await script('start');
  const ports = [base, base + 2, base + 4];
  const endpoints = ports.map((p) => `http://127.0.0.1:${p}`).join(',');
  return {
    endpoints,
    ports,
    withClient: async (use) => {
      const client = new Etcd3({
        hosts: endpoints.split(','),
        dialTimeout: 3000,
        defaultCallOptions: (c) => (c.isStream ? {} : { deadline: Date.now() + 2000 }),
        faultHandling: { host: noMemberBreaker },
      });
      try {
        return await use(client);
      } finally {
        client.close();
      }
    },
    kill: (member) => script('kill', String(member)).then(() => undefined),
    start: (member) => script('start', String(member)).then(() => undefined),
    dispose: async () => {
      await script('stop', '--purge');
    },
  };
}

/** `count` consecutive ports free at this moment, from a random base. */
async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 30_000 + 2 * Math.floor(Math.random() * 10_000);
    if ((await Promise.all(Array.from({ length: count }, (_, i) => isFree(base + i)))).every(Boolean)) return base;
  }
  throw new Error('no run of free ports found');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
