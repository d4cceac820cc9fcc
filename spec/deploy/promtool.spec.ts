// The Prometheus kit's alerting rules (deploy/prometheus) under promtool, Debian's: they load, their
// unit tests pass, every alert is needed by a test that sees it fire, a broken rule fails the
// tests, and every metric they read is one the deployer serves.

import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { deployerMetricNames, deployerMetricsText, metricNamesIn } from '../support/deployer-metric-names.js';
import { installPrometheus } from '../support/prometheus-server.js';
import { repoRoot } from '../support/repo.js';

const run = promisify(execFile);
const kit = path.join(repoRoot, 'deploy', 'prometheus');

/** promtool's exit code and what it printed. */
async function promtool(...args: string[]): Promise<{ code: number; text: string }> {
  try {
    const { stdout, stderr } = await run('promtool', args, { timeout: 60_000 });
    return { code: 0, text: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool not found: run `bash scripts/prometheus.sh install` (Debian\'s prometheus package)');
    return { code: typeof e.code === 'number' ? e.code : -1, text: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

/** `promtool check metrics` on a /metrics text: its findings, one a line. */
function checkMetrics(text: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(out.split('\n').filter((line) => line.trim() !== '')));
    child.stdin.end(text);
  });
}

describe('Prometheus alerting rules (promtool)', function () {
  this.timeout(120_000);
  let ruleFiles: string[];
  let testFiles: string[];
  let scratch: string;

  before(async function () {
    this.timeout(900_000);
    await installPrometheus();
    ruleFiles = (await readdir(kit)).filter((f) => f.endsWith('.yml')).map((f) => path.join(kit, f));
    testFiles = (await readdir(path.join(kit, 'tests'))).filter((f) => f.endsWith('.yml')).map((f) => path.join(kit, 'tests', f));
    scratch = await mkdtemp(path.join(tmpdir(), 'sdp-promtool-'));
  });

  after(async () => {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  /** The kit copied to the scratch folder with `edit` applied to its rule file(s); the tests run there. */
  async function testsWith(edit: (rules: string) => string): Promise<{ code: number; text: string }> {
    const dir = await mkdtemp(path.join(scratch, 'kit-'));
    await cp(kit, dir, { recursive: true });
    for (const file of ruleFiles) {
      const copy = path.join(dir, path.basename(file));
      await writeFile(copy, edit(await readFile(copy, 'utf8')));
    }
    return promtool('test', 'rules', ...testFiles.map((f) => path.join(dir, 'tests', path.basename(f))));
  }

  const alertsIn = async () => (await Promise.all(ruleFiles.map((f) => readFile(f, 'utf8')))).flatMap((text) => [...text.matchAll(/^\s*- alert: (\S+)$/gm)].map((m) => m[1] as string));

  it('load: promtool check rules finds the alerts and no problem', async () => {
    expect(ruleFiles).not.to.be.empty;
    const { code, text } = await promtool('check', 'rules', '--lint=all', '--lint-fatal', ...ruleFiles);
    expect(code, text).to.equal(0);
    expect(text).to.contain(`SUCCESS: ${(await alertsIn()).length} rules found`);
  });

  it('pass their unit tests: promtool test rules', async () => {
    const { code, text } = await promtool('test', 'rules', ...testFiles);
    expect(code, text).to.equal(0);
    expect(text).to.contain('SUCCESS');
  });

  it('each alert is seen firing by a test: with every alert renamed, a test fails naming each', async () => {
    const alerts = await alertsIn();
    expect(alerts.length).to.be.greaterThan(15);
    // One promtool run: it reports every failing eval of every test group, not the first only.
    const { code, text } = await testsWith((rules) => rules.replace(/^(\s*- alert: )(\S+)$/gm, '$1$2Renamed'));
    expect(code, text).not.to.equal(0);
    expect(alerts.filter((alert) => !text.includes(`alertname: ${alert},`)), 'alerts no test sees fire').to.deep.equal([]);
  });

  it('a broken rule fails the tests: an expression that does not parse, or a threshold moved', async () => {
    const unparsable = await testsWith((rules) => rules.replace('expr: sum by (job) (sdp_slurmdeploy_leader) == 0', 'expr: sum by (job) (sdp_slurmdeploy_leader == 0'));
    expect(unparsable.code, unparsable.text).not.to.equal(0);
    const moved = await testsWith((rules) => rules.replace('sdp_slurmdeploy_token_expiry_timestamp_seconds - time() < 300', 'sdp_slurmdeploy_token_expiry_timestamp_seconds - time() < 30'));
    expect(moved.code, moved.text).not.to.equal(0);
    expect(moved.text).to.contain('alertname: SdpSlurmDeployerTokenNearExpiry,');
  });

  it('read only metrics the deployer serves, and every alert says how bad and what to do', async () => {
    const served = await deployerMetricNames();
    const rules = (await Promise.all(ruleFiles.map((f) => readFile(f, 'utf8')))).join('\n');
    const unknown = [...metricNamesIn(rules)].filter((name) => !served.has(name));
    expect(unknown, 'metrics the rules read that /metrics does not serve').to.deep.equal([]);
    const blocks = rules.split(/^\s*- alert: /m).slice(1);
    for (const block of blocks) {
      const name = block.split('\n')[0];
      expect(block, `${name}: severity`).to.match(/severity: (critical|warning)\n/);
      expect(block, `${name}: summary`).to.match(/\n\s+summary: \S/);
      expect(block, `${name}: description`).to.match(/\n\s+description: \S/);
    }
  });

  it("serve metrics promtool check metrics finds no fault with, but prom-client's own nodejs_active_*_total gauges", async () => {
    const text = await deployerMetricsText();
    expect(text).to.match(/^sdp_slurmdeploy_failures_total\{/m);
    const findings = await checkMetrics(text);
    expect(findings.filter((line) => !/^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/.test(line))).to.deep.equal([]);
  });
});
