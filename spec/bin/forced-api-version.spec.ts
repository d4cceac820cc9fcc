// SDP_SLURMDEPLOY_API_VERSION against a fake slurmrestd (no stack): a version the server does
// not serve ends the deployer at start with exit 2 naming the variable and what the server serves;
// one it serves starts, with accounting where the server lists it.

import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeSlurmrestd } from '../support/fake-slurmrestd.js';
import { repoRoot } from '../support/repo.js';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJzbHVybWpvYiIsImV4cCI6OTk5OTk5OTk5OX0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';

interface Ended {
  readonly code: number | null;
  readonly output: string;
}

/** Runs the deployer until it exits, or until `until` matches its output (then SIGTERM). */
function runDeployer(env: Record<string, string>, until?: RegExp): Promise<Ended> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'deployer')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let stopped = false;
  const seen = (chunk: Buffer) => {
    output += chunk.toString();
    // One SIGTERM: a second one (at the next chunk, its "deployer stopping" line) exits at once, unflushed.
    if (!stopped && until?.test(output) && child.exitCode === null) {
      stopped = true;
      child.kill('SIGTERM');
    }
  };
  child.stdout.on('data', seen);
  child.stderr.on('data', seen);
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

describe('a forced Slurm REST API version at start', function () {
  this.timeout(30_000);
  let fake: FakeSlurmrestd;

  const env = (version: string): Record<string, string> => ({
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    SDP_SLURMDEPLOY_SLURM_URL: fake.url,
    SDP_SLURMDEPLOY_CLIENT_ID: 'slurmjob',
    SDP_SLURMDEPLOY_SLURM_JWT: TOKEN,
    SDP_SLURMDEPLOY_RELEASE_NAME: 'sdp',
    SDP_SLURMDEPLOY_NAMESPACE: 'forced',
    SDP_SLURMDEPLOY_API_VERSION: version,
    SDP_SLURMDEPLOY_LIVENESS_FILE: '/dev/null',
    SDP_CONFIG_BACKEND: 'memory',
    SDP_LOG_FORMAT: 'json',
  });

  beforeEach(async () => {
    fake = await FakeSlurmrestd.start({ versions: ['v0.0.40', 'v0.0.41', 'v0.0.42'], userName: 'slurmjob', token: TOKEN });
  });

  afterEach(() => fake.close());

  it('exits 2 naming SDP_SLURMDEPLOY_API_VERSION and the versions the server serves, after one /openapi/v3 request', async () => {
    const ended = await runDeployer(env('v0.0.39'));
    expect(ended.code).to.equal(2);
    expect(ended.output).to.contain(
      `sdp-slurm-deployer: bad configuration\nSDP_SLURMDEPLOY_API_VERSION: slurmrestd at ${fake.url} does not serve REST API v0.0.39: its /openapi/v3 lists the job paths of v0.0.40, v0.0.41, v0.0.42`,
    );
    expect(ended.output).not.to.contain(TOKEN);
    expect(fake.requests.map((r) => `${r.method} ${r.url}`)).to.deep.equal(['GET /openapi/v3']);
  });

  it('starts on a version the server serves, with accounting where the server lists it (the journal header says so)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'forced-'));
    try {
      for (const accounting of [true, false]) {
        const server = await FakeSlurmrestd.start({ versions: ['v0.0.40', 'v0.0.41', 'v0.0.42'], userName: 'slurmjob', token: TOKEN, accounting });
        const journal = path.join(dir, `journal-${accounting}.jsonl`);
        try {
          const ended = await runDeployer({ ...env('v0.0.41'), SDP_SLURMDEPLOY_SLURM_URL: server.url, SDP_SLURMDEPLOY_JOURNAL: journal }, /"message":"Config DB listed"/);
          expect(ended.output).to.match(/"api":"v0\.0\.41"[^\n]*"message":"deployer starting"/);
          expect(server.requests[0]?.url).to.equal('/openapi/v3');
          expect(server.requests.slice(1).every((r) => r.url.startsWith('/slurm/v0.0.41/'))).to.equal(true);
          // The header is written beside the listing, not before its log line: the deployer may stop first.
          const first = (await readFile(journal, 'utf8').catch(() => '')).split('\n')[0] ?? '';
          expect(first, `the journal has its header; the deployer said:\n${ended.output}`).not.to.equal('');
          const header = JSON.parse(first) as { settings: { accounting?: boolean } };
          expect(header.settings.accounting, `accounting served: ${accounting}`).to.equal(accounting);
        } finally {
          await server.close();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
