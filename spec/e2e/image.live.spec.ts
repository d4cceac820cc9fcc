// The OCI image run as an operator runs it: podman, host network, configured by environment,
// against the local stack. Builds the image first when missing or out of date (a first build
// takes about a minute: debootstrap of a minimal Debian root; then ~20 s for a changed app).

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { deploymentKey, stateKey } from '../../lib/configdb/paths.js';
import { eventually } from '../support/eventually.js';
import { removeBelow } from '../support/live-prefix.js';
import { freePort } from '../support/free-port.js';
import { buildImage, podman, podmanUnusable, RUN_LIMITS } from '../support/podman.js';
import { repoRoot } from '../support/repo.js';
import { startStack, type StackEnv } from '../support/stack.js';

describe('the OCI image, run by podman against the local stack @live', function () {
  this.timeout(120_000);
  const tag = randomBytes(3).toString('hex');
  // Its own Config DB prefix: the deployer in the container sees none of the other specs' deployments.
  const prefix = `/image-${tag}`;
  const container = `sdp-slurm-deployer-spec-${tag}`;
  const id = `img-${tag}`;
  let stack: StackEnv;
  let etcd: Etcd3;
  let ref: string;
  let metricsPort: number;

  before(async function () {
    this.timeout(1_200_000);
    const unusable = await podmanUnusable();
    if (unusable !== undefined) {
      console.log(`      SKIPPED: podman cannot run containers on this machine: ${unusable}`);
      this.skip();
    }
    stack = await startStack();
    etcd = new Etcd3({ hosts: `http://${stack.SDP_CONFIG_HOST}:${stack.SDP_CONFIG_PORT}` });
    const built = await buildImage();
    ref = built.ref;
    console.log(`      image ${ref} ready in ${built.seconds} s`);
    metricsPort = await freePort();
  });

  after(async () => {
    await podman(['rm', '--force', '--ignore', container]);
    if (etcd !== undefined) await removeBelow(etcd, prefix);
    etcd?.close();
  });

  it('is labelled, and runs as a non-root user with the deployer as its entrypoint', async () => {
    const inspect = await podman(['image', 'inspect', ref, '--format', '{{json .Config}}']);
    expect(inspect.code, inspect.stderr).to.equal(0);
    const config = JSON.parse(inspect.stdout) as { User: string; Entrypoint: string[]; Labels: Record<string, string> };
    expect(config.User).to.equal('10001:10001');
    expect(config.Entrypoint).to.deep.equal(['/usr/bin/node', '--no-memory-reducer', '--max-opt=1', '/opt/sdp-slurm-deployer/bin/deployer']);
    expect(config.Labels['org.opencontainers.image.licenses']).to.equal('BSD-3-Clause');
    expect(config.Labels['org.opencontainers.image.version']).to.match(/^\d+\.\d+\.\d+/);
    // Where it came from: a full commit of this repository, and package.json's repository as a
    // URL (never the path of the clone that built it); no source label when package.json has none.
    const revision = config.Labels['org.opencontainers.image.revision'] ?? '';
    expect(revision).to.match(/^[0-9a-f]{40}$/);
    await promisify(execFile)('git', ['-C', repoRoot, 'cat-file', '-e', `${revision}^{commit}`]);
    const repository = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { repository?: unknown }).repository;
    if (repository === undefined) expect(config.Labels).not.to.have.property('org.opencontainers.image.source');
    else expect(config.Labels['org.opencontainers.image.source']).to.match(/^https:\/\/[^/]+\/./);
    const version = await podman(['run', '--rm', ...RUN_LIMITS, ref, '--version']);
    expect(version.stdout).to.match(/^sdp-slurm-deployer \d+\.\d+\.\d+\n$/);
    const node = await podman(['run', '--rm', ...RUN_LIMITS, '--entrypoint', '/usr/bin/node', ref, '-e', 'console.log(process.version, process.getuid())']);
    const [major = 0, minor = 0] = /^v(\d+)\.(\d+)/.exec(node.stdout)?.slice(1).map(Number) ?? [];
    expect(major * 100 + minor, node.stdout).to.be.at.least(20 * 100 + 19);
    expect(node.stdout.trim().split(' ')[1]).to.equal('10001');
  });

  it('runs a deployment to FINISHED, serves /healthz, touches its liveness file, and exits 0 on SIGTERM', async () => {
    // The token reaches podman through its environment (`-e NAME` without a value), never argv.
    const env = { ...process.env, SDP_SLURMDEPLOY_SLURM_JWT: stack.SLURM_JWT };
    const started = await podman([
      'run', '--detach', '--name', container, '--network', 'host', ...RUN_LIMITS,
      '-e', `SDP_SLURMDEPLOY_SLURM_URL=${stack.SLURM_URL}`,
      '-e', `SDP_SLURMDEPLOY_CLIENT_ID=${stack.SLURM_USER}`,
      '-e', 'SDP_SLURMDEPLOY_SLURM_JWT',
      '-e', `SDP_SLURMDEPLOY_RELEASE_NAME=img${tag}`,
      '-e', 'SDP_SLURMDEPLOY_NAMESPACE=test',
      '-e', 'SDP_SLURMDEPLOY_LOOP_INTERVAL=1',
      // No takeover hold: the first start of a fresh prefix, and no earlier leader. With the
      // default (20 s), a deployment put before the container's first listing was held 20 s.
      '-e', 'SDP_SLURMDEPLOY_TAKEOVER_HOLD=0',
      '-e', `SDP_SLURMDEPLOY_JOB_WORKDIR=${stack.SLURM_JOB_DIR}`,
      '-e', `SDP_SLURMDEPLOY_METRICS_PORT=${metricsPort}`,
      '-e', 'SDP_SLURMDEPLOY_METRICS_HOST=127.0.0.1',
      '-e', 'SDP_SLURMDEPLOY_SHUTDOWN_GRACE=10',
      '-e', `SDP_CONFIG_HOST=${stack.SDP_CONFIG_HOST}`,
      '-e', `SDP_CONFIG_PORT=${stack.SDP_CONFIG_PORT}`,
      '-e', `SDP_CONFIG_PREFIX=${prefix}`,
      '-e', 'SDP_LOG_FORMAT=ska',
      ref,
    ], { env });
    expect(started.code, started.stderr).to.equal(0);
    const logs = async () => (await podman(['logs', container])).stdout;

    await etcd.put(deploymentKey(id, prefix)).value(JSON.stringify({ key: id, kind: 'slurm', args: { script: '#!/bin/bash\necho from the image\n' } }));
    const state = await eventually(`${id} FINISHED`, async () => {
      const text = await etcd.get(stateKey(id, prefix)).string();
      return text?.includes('"FINISHED"') ? (JSON.parse(text) as { job_id: number; exit_code: number }) : undefined;
    }, 60_000);
    expect(state.exit_code).to.equal(0);

    const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
    expect(health.status).to.equal(200);
    expect(await health.json()).to.include({ status: 'ok' });
    // The liveness file is touched on every successful poll (every second here).
    const mtime = async () => Number((await podman(['exec', container, 'stat', '-c', '%Y', '/tmp/alive'])).stdout.trim());
    const first = await mtime();
    expect(first, 'liveness file within 5 s of now').to.be.closeTo(Date.now() / 1000, 5);
    await eventually('the liveness file touched again', async () => ((await mtime()) > first ? true : undefined), 10_000);

    const stopping = Date.now();
    expect((await podman(['kill', '--signal', 'TERM', container])).code).to.equal(0);
    const waited = await podman(['wait', container], { timeout: 30_000 });
    const took = Date.now() - stopping;
    expect(waited.stdout.trim(), 'exit code').to.equal('0');
    expect(took, 'within the grace period').to.be.lessThan(10_000);
    const text = await logs();
    expect(text).to.match(/^1\|[^|]+\|INFO\|main\|[^|]*\|[^|]*\|[^|]*signal:SIGTERM[^|]*\|deployer stopping/m);
    expect(text, 'the SKA format names the function and file#line').to.match(/\|onSignal\|run\.js#\d+\|signal:SIGTERM/);
    expect(text).to.match(/\|deployer stopped$/m);
    expect(text, 'no token in the logs').not.to.contain(stack.SLURM_JWT);
    console.log(`      ${id}: job ${state.job_id} FINISHED; SIGTERM to exit 0 in ${took} ms; last lines:\n${text.trim().split('\n').slice(-3).map((l) => `        ${l}`).join('\n')}`);
  });
});
