// `status` and `plan` when a dependency fails them: the sentence the deployer logs (the address
// tried, the variables to check, no gRPC text, no secret) and an exit code per cause. A fake
// slurmrestd and closed ports: nothing of the local stack is used.

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { FakeSlurmrestd } from '../support/fake-slurmrestd.js';
import { freePort } from '../support/free-port.js';
import { repoRoot } from '../support/repo.js';

const run = promisify(execFile);
const TOKEN = 'good-token-value-0123456789';
const REFUSED = 'refused-token-value-9876543210';

async function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(process.execPath, [path.join(repoRoot, 'bin', 'deployer'), ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 30_000 });
    return { code: 0, stderr };
  } catch (error) {
    const e = error as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: e.stderr ?? '' };
  }
}

describe('status and plan exit codes per cause', function () {
  this.timeout(60_000);
  let fake: FakeSlurmrestd;
  let closed: number;
  let env: Record<string, string>;

  before(async () => {
    fake = await FakeSlurmrestd.start({ versions: ['v0.0.42'], userName: 'slurmjob', token: TOKEN, rejectedToken: REFUSED });
    closed = await freePort();
    env = {
      SDP_SLURMDEPLOY_SLURM_URL: fake.url,
      SDP_SLURMDEPLOY_CLIENT_ID: 'slurmjob',
      SDP_SLURMDEPLOY_SLURM_JWT: TOKEN,
      SDP_SLURMDEPLOY_RELEASE_NAME: 'codes',
      SDP_SLURMDEPLOY_NAMESPACE: 'test',
      SDP_CONFIG_HOST: '127.0.0.1',
      SDP_CONFIG_PORT: String(closed),
    };
  });

  after(async () => {
    await fake.close();
  });

  for (const command of ['status', 'plan']) {
    it(`${command}: etcd out of reach exits 3, naming SDP_CONFIG_HOST/SDP_CONFIG_PORT and the address, without gRPC's text`, async () => {
      const { code, stderr } = await cli(env, command);
      expect(code, stderr).to.equal(3);
      expect(stderr).to.equal(
        `sdp-slurm-deployer: cannot reach etcd at 127.0.0.1:${closed} (SDP_CONFIG_HOST, SDP_CONFIG_PORT): check that etcd runs there and that the address, port and protocol (SDP_CONFIG_PROTOCOL) are right\n`,
      );
    });

    it(`${command}: slurmrestd out of reach exits 4, naming SDP_SLURMDEPLOY_SLURM_URL and the address`, async () => {
      const { code, stderr } = await cli({ ...env, SDP_CONFIG_BACKEND: 'memory', SDP_SLURMDEPLOY_SLURM_URL: `http://127.0.0.1:${closed}` }, command);
      expect(code, stderr).to.equal(4);
      expect(stderr).to.match(new RegExp(`^sdp-slurm-deployer: cannot reach slurmrestd at http://127\\.0\\.0\\.1:${closed} \\(SDP_SLURMDEPLOY_SLURM_URL\\): `));
    });

    it(`${command}: a token Slurm refuses exits 5, naming the token variables, never the token`, async () => {
      const { code, stderr } = await cli({ ...env, SDP_CONFIG_BACKEND: 'memory', SDP_SLURMDEPLOY_SLURM_JWT: REFUSED }, command);
      expect(code, stderr).to.equal(5);
      expect(stderr).to.match(/refused the Slurm token \(SDP_SLURMDEPLOY_SLURM_JWT, SDP_SLURMDEPLOY_CLIENT_ID\)/);
      expect(stderr).not.to.contain(REFUSED);
    });
  }

  it('status answers 0 when both answer (the in-memory Config DB)', async () => {
    const { code, stderr } = await cli({ ...env, SDP_CONFIG_BACKEND: 'memory' }, 'status');
    expect(code, stderr).to.equal(0);
  });
});
