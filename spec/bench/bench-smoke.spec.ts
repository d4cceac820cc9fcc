// The bench at a small N, as a smoke test: every measure yields a number and the pipeline
// submits every deployment and writes every job id. No timing is asserted (the full bench is
// `npm run bench`, outside CI).

import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bench, parseArgs, shippedNodeOptions } from '../../scripts/bench/cli.js';
import { shippedEnv, shippedNodeFlags } from '../../scripts/image/shipped-env.js';
import type { Row } from '../../scripts/bench/report.js';

describe('bench smoke run (N = 50)', function () {
  this.timeout(120_000);
  let dir: string;
  let rows: Row[];
  let out: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bench-smoke-'));
    out = path.join(dir, 'results.json');
    const options = parseArgs(['--sizes', '50', '--only', 'reducer,pipeline', '--interval', '400', '--budget', '60', '--out', out]);
    rows = await bench({ ...options, quiet: true });
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('measures every reducer measure at N = 50, each a number, none estimated or skipped', () => {
    const reducer = rows.filter((r) => r.section === 'reducer');
    expect(reducer.map((r) => r.measure)).to.include.members(['ingestPuts', 'configListed', 'firstPollAdopts', 'put', 'ackSubmit', 'ackWrite', 'noopTick', 'identicalPoll', 'changedPoll', 'heapMB']);
    for (const r of reducer) {
      expect(r.status, r.measure).to.equal('measured');
      expect(r.value, r.measure).to.be.a('number').and.satisfy(Number.isFinite);
    }
    expect(reducer.find((r) => r.measure === 'workload check'), 'the workload did what the bench meant').to.equal(undefined);
  });

  it('runs the pipeline: all 50 submitted and their job ids written, one list request per poll, no writes when nothing changes', () => {
    const value = (measure: string) => rows.find((r) => r.section === 'pipeline' && r.measure === measure && r.n === 50)?.value;
    expect(value('submitted')).to.equal(50);
    expect(value('jobIdsWritten')).to.equal(50);
    expect(value('listRequestsPerPoll')).to.equal(1);
    expect(value('writesPerSteadyPoll')).to.equal(0);
    for (const measure of ['ingestMs', 'eventLoopDelayP99Ms', 'peakRssMB', 'maxPollGapMs']) expect(value(measure), measure).to.be.a('number').and.satisfy(Number.isFinite);
  });

  it('writes the rows as JSON', async () => {
    const written = JSON.parse(await readFile(out, 'utf8')) as { rows: Row[]; current: { commit: string } };
    expect(written.rows).to.deep.equal(JSON.parse(JSON.stringify(rows)));
    expect(written.current.commit).to.match(/^[0-9a-f]{40}$/);
  });
});

describe('the bench runs the pipeline as the image ships the deployer', () => {
  it('takes the heap bound from the Containerfile\'s NODE_OPTIONS and V8\'s flags from its entrypoint, and an explicit flag over both', () => {
    expect(parseArgs([]).pipelineNodeFlags).to.deep.equal([...shippedNodeOptions().split(' '), '--no-memory-reducer', '--max-opt=1']);
    expect(shippedNodeOptions()).to.match(/^--max-old-space-size=\d+$/);
    // The soak's replicas take the same, and the arena bound with it (spec/chaos/soak-rig.ts).
    expect(shippedEnv()['MALLOC_ARENA_MAX']).to.match(/^\d+$/);
    expect(parseArgs(['--pipeline-node-options', '']).pipelineNodeFlags).to.deep.equal([]);
  });

  it('refuses a Containerfile without NODE_OPTIONS rather than measuring another heap', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-containerfile-'));
    try {
      const file = path.join(dir, 'Containerfile');
      await writeFile(file, 'FROM scratch\nENV NODE_ENV=production\n');
      expect(() => shippedNodeOptions(file)).to.throw(/no NODE_OPTIONS/);
      await writeFile(file, 'ENV NODE_ENV=production \\\n    NODE_OPTIONS=--max-old-space-size=768 \\\n    X=1\n');
      expect(shippedNodeOptions(file)).to.equal('--max-old-space-size=768');
      expect(shippedEnv(file)).to.deep.equal({ NODE_ENV: 'production', NODE_OPTIONS: '--max-old-space-size=768', X: '1' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads node\'s flags from the entrypoint, and refuses one that is not node, flags, then bin/deployer', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-containerfile-'));
    try {
      const file = path.join(dir, 'Containerfile');
      const entrypoint = async (line: string) => writeFile(file, `FROM scratch\n${line}\nCMD ["run"]\n`);
      await entrypoint('ENTRYPOINT ["/usr/bin/node", "--no-memory-reducer", "--stack-size=900", "/opt/x/bin/deployer"]');
      expect(shippedNodeFlags(file)).to.deep.equal(['--no-memory-reducer', '--stack-size=900']);
      await entrypoint('ENTRYPOINT ["/usr/bin/node", "/opt/x/bin/deployer"]');
      expect(shippedNodeFlags(file)).to.deep.equal([]);
      await entrypoint('ENTRYPOINT /usr/bin/node /opt/x/bin/deployer');
      expect(() => shippedNodeFlags(file)).to.throw(/no ENTRYPOINT in exec form/);
      await entrypoint('ENTRYPOINT ["/bin/sh", "-c", "node /opt/x/bin/deployer"]');
      expect(() => shippedNodeFlags(file)).to.throw(/is not node, its flags, then bin\/deployer/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
