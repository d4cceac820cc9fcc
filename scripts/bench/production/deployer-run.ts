// The deployer under test as an operator runs it: `node bin/deployer` of the implementation's
// compiled tree (dist/bin/main.js, what bin/deployer imports), as a process of its own, against a
// chroot release through the wire proxy, writing below a Config DB prefix of this run's own.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import type { Release } from './release.js';

export interface DeployerSettings {
  readonly distRoot: string;
  readonly release: Release;
  /** Where the deployer sends its Slurm requests (the wire proxy). */
  readonly slurmUrl: string;
  readonly releaseName: string;
  readonly prefix: string;
  readonly metricsPort: number;
  readonly logFile: string;
  /** SDP_SLURMDEPLOY_* settings beyond the required ones; none: the deployer's defaults. */
  readonly extra?: Readonly<Record<string, string>>;
}

export const NAMESPACE = 'bench';

export function deployerEnv(s: DeployerSettings): Record<string, string> {
  const env = s.release.env;
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    SDP_SLURMDEPLOY_SLURM_URL: s.slurmUrl,
    // The bench's own Slurm user: its rate-limit bucket is not the one live specs draw on.
    SDP_SLURMDEPLOY_CLIENT_ID: s.release.benchUser,
    SDP_SLURMDEPLOY_SLURM_JWT: s.release.benchToken,
    SDP_SLURMDEPLOY_RELEASE_NAME: s.releaseName,
    SDP_SLURMDEPLOY_NAMESPACE: NAMESPACE,
    SDP_SLURMDEPLOY_JOB_WORKDIR: s.release.jobDir,
    SDP_SLURMDEPLOY_METRICS_PORT: String(s.metricsPort),
    SDP_SLURMDEPLOY_METRICS_HOST: '127.0.0.1',
    SDP_SLURMDEPLOY_LIVENESS_FILE: '/dev/null',
    SDP_CONFIG_HOST: env['SDP_CONFIG_HOST'] ?? '127.0.0.1',
    SDP_CONFIG_PORT: env['SDP_CONFIG_PORT'] ?? '2379',
    SDP_CONFIG_PREFIX: s.prefix,
    SDP_LOG_LEVEL: 'DEBUG',
    SDP_LOG_FORMAT: 'json',
    ...s.extra,
  };
}

export class DeployerRun {
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  starts = 0;
  kills = 0;

  constructor(private readonly settings: DeployerSettings) {}

  get pid(): number | undefined {
    return this.running ? this.#child?.pid : undefined;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  start(): void {
    if (this.running) return;
    const log = createWriteStream(this.settings.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [path.join(this.settings.distRoot, 'bin', 'main.js')], { env: deployerEnv(this.settings), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    this.#child = child;
    this.starts++;
    this.#exited = new Promise((resolve) => child.on('exit', () => resolve()));
  }

  /** kill -9: nothing flushed, requests in flight abandoned. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    this.kills++;
    this.#child?.kill('SIGKILL');
    await this.#exited;
  }

  /** SIGTERM, SIGKILL after 30 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.#child?.kill('SIGTERM');
    const timer = setTimeout(() => this.#child?.kill('SIGKILL'), 30_000);
    await this.#exited;
    clearTimeout(timer);
  }
}
