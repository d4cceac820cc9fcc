// A private, secured etcd for one spec file: scripts/etcd-secure.sh (TLS, users root and sdp) on
// free loopback ports, in a dir of its own under the stack dir; stopped and deleted by dispose().
// The shared stack's etcd is never touched.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { repoRoot } from './repo.js';
import { stackDir } from './stack.js';

const run = promisify(execFile);
const SCRIPT = path.join(repoRoot, 'scripts', 'etcd-secure.sh');
const DIR_PREFIX = 'etcd-private-';

export interface PrivateEtcd {
  /** Its env file: SDP_CONFIG_* of user sdp, ETCD_SECURE_ROOT_PASSWORD. */
  readonly env: Readonly<Record<string, string>>;
  readonly port: number;
  /** A client of user root, straight to etcd; a new one after each start(). */
  readonly root: Etcd3;
  /** Stops it, keeping its data. */
  stop(): Promise<void>;
  /** Starts it again after stop(), with the same data, certificates and passwords. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startPrivateEtcd(name: string, options: { readonly clientCertAuth?: boolean } = {}): Promise<PrivateEtcd> {
  await removeStale();
  const [port = 0, peerPort = 0] = await freePorts(2);
  const dir = path.join(stackDir(), `${DIR_PREFIX}${name}-${process.pid}`);
  const scriptEnv = {
    ...process.env,
    SDP_ETCD_SECURE_DIR: dir,
    SDP_ETCD_SECURE_PORT: String(port),
    SDP_ETCD_SECURE_PEER_PORT: String(peerPort),
    SDP_ETCD_SECURE_CLIENT_CERT_AUTH: options.clientCertAuth ? '1' : '0',
  };
  const script = (...args: string[]) => run('bash', [SCRIPT, ...args], { env: scriptEnv, timeout: 120_000 }).then(() => undefined);
  await script('start');
  const env = await readEnvFile(path.join(dir, 'etcd-secure.env'));
  let root = rootClient(env);
  return {
    env,
    port,
    get root() {
      return root;
    },
    stop: () => script('stop'),
    start: async () => {
      await script('start');
      // Not the old one: its channel and token belong to the etcd that was stopped.
      root.close();
      root = rootClient(env);
    },
    dispose: async () => {
      root.close();
      await script('stop', '--purge');
    },
  };
}

function rootClient(env: Readonly<Record<string, string>>): Etcd3 {
  const file = (name: string): Buffer => {
    const where = env[name];
    if (where === undefined) throw new Error(`the private etcd's env file has no ${name}`);
    return readFileSync(where);
  };
  return new Etcd3({
    hosts: `https://${env['SDP_CONFIG_HOST']}:${env['SDP_CONFIG_PORT']}`,
    credentials: { rootCertificate: file('SDP_CONFIG_CERT'), certChain: file('SDP_CONFIG_CLIENT_CERT'), privateKey: file('SDP_CONFIG_CLIENT_KEY') },
    auth: { username: 'root', password: env['ETCD_SECURE_ROOT_PASSWORD'] ?? '' },
  });
}

async function readEnvFile(file: string): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/** Ports free at this moment (etcd binds them a second later; a clash fails the start loudly). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    }),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** Instances left by a spec process that died before its after hook (killed, ^C). */
async function removeStale(): Promise<void> {
  const entries = await readdir(stackDir()).catch(() => [] as string[]);
  for (const entry of entries) {
    const match = new RegExp(`^${DIR_PREFIX}.+-([0-9]+)$`).exec(entry);
    if (match === null || isAlive(Number(match[1]))) continue;
    const env = { ...process.env, SDP_ETCD_SECURE_DIR: path.join(stackDir(), entry) };
    await run('bash', [SCRIPT, 'stop', '--purge'], { env, timeout: 60_000 }).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
