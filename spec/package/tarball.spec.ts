// The npm package as an embedder gets it: `npm pack`, the tarball installed into an empty project
// from npm's cache where it can (--prefer-offline: a clone's `npm ci` filled it with the tarballs,
// but not with the registry's package documents npm reads to resolve versions, which a fresh
// machine lacks: --offline failed there with ENOTCACHED for @types/node),
// its command run, and examples/ compiled strictly against it and run: one embeds the deployer
// with the in-memory Config DB and the fake slurmrestd until FINISHED, one runs a marble scenario
// of its own and the reducer alone. Not live: the stack is not needed.

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { shippedNodeFlags } from '../../scripts/image/shipped-env.js';
import { repoRoot } from '../support/repo.js';

const run = promisify(execFile);

interface Packed {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

describe('the npm package, packed and installed into an empty project (examples/ compiled and run against it)', function () {
  this.timeout(300_000);
  let dir: string;
  let project: string;
  let files: string[];
  let installOutput: string;
  const took: Record<string, number> = {};
  const timed = async <T>(name: string, step: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await step();
    } finally {
      took[name] = Date.now() - started;
    }
  };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sdp-slurm-deployer-package-'));
    // dist/ is fresh (npm test compiles before mocha): packed without compiling again (prepack).
    const { stdout } = await timed('pack', () => run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: repoRoot }));
    const [packed] = JSON.parse(stdout) as Packed[];
    if (packed === undefined) throw new Error(`npm pack said: ${stdout}`);
    files = packed.files.map((f) => f.path);
    project = path.join(dir, 'project');
    await cp(path.join(repoRoot, 'examples'), project, { recursive: true, filter: (source) => !source.includes(`${path.sep}out`) });
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'embedding-example', private: true, type: 'module' }));
    // @types/node as an embedder has it (the package's declarations name Node's types), at our version.
    const ownPackage = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const typesNode = `@types/node@${ownPackage.devDependencies['@types/node']}`;
    // --prefix: without it npm installs into the nearest folder above that looks like a project.
    const installed = await timed('install', () =>
      run('npm', ['install', '--prefix', project, '--prefer-offline', '--no-audit', '--no-fund', path.join(dir, packed.filename), typesNode], { cwd: project, timeout: 240_000 }),
    );
    installOutput = `${installed.stdout}\n${installed.stderr}`;
  });

  after(async () => {
    if (Object.keys(took).length > 0) console.log(`      took: ${Object.entries(took).map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`).join(', ')}`);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('ships the compiled JavaScript with its declarations, the recordings the fake replays, LICENSE, README and docs/ (the README links into them); no sources, specs, scripts or maps', () => {
    expect(files).to.include.members([
      'bin/deployer',
      'dist/bin/main.js',
      'dist/streams/index.js',
      'dist/streams/index.d.ts',
      'dist/lib/core/index.d.ts',
      'dist/streams/testing/index.d.ts',
      'spec/fixtures/recorded/slurm-26.05/openapi-v3.json',
      'spec/fixtures/recorded/slurm-24.11/v0.0.42/01-submit.json',
      'LICENSE',
      'README.md',
      'docs/operations.md',
      'docs/api.md',
      'package.json',
    ]);
    const recordings = /^spec\/fixtures\/recorded\/slurm-(24\.11|26\.05)\/.+\.json$/;
    const unwanted = files.filter((f) => (f.endsWith('.ts') && !f.endsWith('.d.ts')) || (f.startsWith('spec/') && !recordings.test(f)) || f.startsWith('dist/spec/') || f.startsWith('scripts/') || f.endsWith('.map'));
    expect(unwanted).to.deep.equal([]);
  });

  it('installs without running a prepare or install script of its own', () => {
    expect(installOutput).to.not.match(/sdp-slurm-deployer@[^\n]*(prepare|install)/);
    expect(installOutput).to.not.include('scripts/prepare');
  });

  it('installs a working command: --version, --help, help <command>; node started with the image\'s flags', async () => {
    const command = path.join(project, 'node_modules', '.bin', 'sdp-slurm-deployer');
    const [shebang] = (await readFile(command, 'utf8')).split('\n');
    expect(shebang).to.equal(`#!/usr/bin/env -S node ${shippedNodeFlags().join(' ')}`);
    const version = await run(command, ['--version']);
    expect(version.stdout).to.match(/^sdp-slurm-deployer \d+\.\d+\.\d+\n$/);
    const help = await run(command, ['--help']);
    for (const name of ['run', 'status', 'plan', 'replay', 'help']) expect(help.stdout).to.match(new RegExp(`^  ${name} +\\S`, 'm'));
    const plan = await run(command, ['help', 'plan']);
    expect(plan.stdout).to.contain('sdp-slurm-deployer plan [-o text|json]');
  });

  it('exports the root, ./core and ./testing, and keeps every other path private', async () => {
    const probe = `
      const names = async (entry) => Object.keys(await import(entry)).length;
      const counts = [await names('sdp-slurm-deployer'), await names('sdp-slurm-deployer/core'), await names('sdp-slurm-deployer/testing')];
      let deep;
      try { await import('sdp-slurm-deployer/dist/lib/core/reducer.js'); deep = 'imported'; } catch (error) { deep = error.code; }
      console.log(JSON.stringify({ counts, deep }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: project });
    const { counts, deep } = JSON.parse(stdout) as { counts: number[]; deep: string };
    expect(counts.every((n) => n > 0), `values exported by each entry: ${counts.join(', ')}`).to.equal(true);
    expect(deep).to.equal('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('type-checks examples/ strictly against the installed package, then runs them: FINISHED, and a scenario of their own', async () => {
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    await timed('tsc', () => run(process.execPath, [tsc, '-p', path.join(project, 'tsconfig.json')], { cwd: project }).catch((error: { stdout?: string }) => {
      throw new Error(`the examples do not type-check against the installed package:\n${error.stdout ?? String(error)}`);
    }));
    const programs = (await readdir(path.join(project, 'out'))).filter((f) => f.endsWith('.js')).sort();
    expect(programs).to.deep.equal(['embed-deployer.js', 'own-scenario.js']);

    const embedded = await timed('embed', () => run(process.execPath, [path.join(project, 'out', 'embed-deployer.js')], { cwd: project, timeout: 60_000 }));
    expect(embedded.stdout).to.match(/^proc-pb-example-\S+: FINISHED \(job \d+, Slurm COMPLETED, exit code 0\); REST API v0\.0\.45$/m);

    const scenario = await timed('scenario', () => run(process.execPath, [path.join(project, 'out', 'own-scenario.js')], { cwd: project, timeout: 60_000 }));
    expect(scenario.stdout.trim().split('\n')).to.deep.equal([
      'scenario passed: a job RUNNING then COMPLETED is written RUNNING, then FINISHED',
      'a wrong expectation is reported',
      'the reducer alone: pollJobs first',
    ]);
  });
});
