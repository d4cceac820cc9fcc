// The npm package as a user gets it: `npm pack`, installed into an empty folder, its command run.
// Live: it installs the production dependencies (from npm's cache when it has them).

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../support/repo.js';

const run = promisify(execFile);

describe('the npm package, packed and installed into an empty folder @live', function () {
  this.timeout(300_000);
  let dir: string;
  let files: string[];
  let command: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sdp-slurm-deployer-package-'));
    // dist/ is fresh (npm test compiles before mocha): pack it without compiling again under mocha's feet.
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: repoRoot });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    files = packed?.files.map((f) => f.path) ?? [];
    const project = path.join(dir, 'empty');
    await run('mkdir', [project]);
    // --prefix: without it npm installs into the nearest folder above that looks like a project
    // (one run here installed into /tmp itself, and found no command in the empty folder).
    await run('npm', ['install', '--prefix', project, '--prefer-offline', '--no-audit', '--no-fund', path.join(dir, packed?.filename ?? '')], { cwd: project, timeout: 240_000 });
    command = path.join(project, 'node_modules', '.bin', 'sdp-slurm-deployer');
  });

  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('ships the compiled JavaScript, the LICENSE, README and docs/ (the README links into them), and no sources, specs or scripts', () => {
    expect(files).to.include.members(['bin/deployer', 'dist/bin/main.js', 'dist/streams/deployer.js', 'dist/lib/core/reducer.js', 'LICENSE', 'README.md', 'docs/operations.md', 'package.json']);
    expect(files.filter((f) => f.endsWith('.ts') || f.startsWith('spec/') || f.startsWith('dist/spec/') || f.startsWith('scripts/') || f.endsWith('.map'))).to.deep.equal([]);
  });

  it('installs a working sdp-slurm-deployer: --version, --help, help <command>', async () => {
    const version = await run(command, ['--version'], { env: { PATH: process.env['PATH'] ?? '' } });
    expect(version.stdout).to.match(/^sdp-slurm-deployer \d+\.\d+\.\d+\n$/);
    const help = await run(command, ['--help'], { env: { PATH: process.env['PATH'] ?? '' } });
    for (const name of ['run', 'status', 'plan', 'replay', 'help']) expect(help.stdout).to.match(new RegExp(`^  ${name} +\\S`, 'm'));
    const plan = await run(command, ['help', 'plan']);
    expect(plan.stdout).to.contain('sdp-slurm-deployer plan [-o text|json]');
  });
});
