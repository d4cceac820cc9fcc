// The kit's Grafana dashboard, offline: every panel query is PromQL promtool accepts (as a recording
// rule), reads only metrics the deployer serves, and the README or docs/ list every metric it serves.
// spec/deploy/dashboard.live.spec.ts runs the same queries against a real Prometheus.

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { deployerMetricNames, metricNamesIn } from '../support/deployer-metric-names.js';
import { expand, panelQueries, readDashboard, variableQueries } from '../support/grafana-dashboard.js';
import { installPrometheus } from '../support/prometheus-server.js';
import { repoRoot } from '../support/repo.js';

const run = promisify(execFile);
const values = { job: 'sdp-slurm-deployer', __rate_interval: '1m', datasource: 'prometheus' };

describe('Grafana dashboard (deploy/grafana)', function () {
  this.timeout(60_000);

  before(async function () {
    this.timeout(900_000);
    await installPrometheus();
  });

  it('has panel queries, each valid PromQL (promtool check rules, as recording rules)', async () => {
    const queries = panelQueries(await readDashboard());
    expect(queries.length).to.be.greaterThan(15);
    const dir = await mkdtemp(path.join(tmpdir(), 'sdp-dashboard-'));
    try {
      const rules = queries.map((q, i) => `      - record: panel_query_${i}\n        expr: ${JSON.stringify(expand(q.expr, values))}\n`).join('');
      await writeFile(path.join(dir, 'queries.yml'), `groups:\n  - name: dashboard\n    rules:\n${rules}`);
      const { stdout } = await run('promtool', ['check', 'rules', path.join(dir, 'queries.yml')]);
      expect(stdout).to.contain(`SUCCESS: ${queries.length} rules found`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads only metrics the deployer serves', async () => {
    const served = await deployerMetricNames();
    const dashboard = await readDashboard();
    const text = [...panelQueries(dashboard).map((q) => q.expr), ...variableQueries(dashboard).map((v) => v.metric)].join('\n');
    expect([...metricNamesIn(text)].filter((name) => !served.has(name))).to.deep.equal([]);
  });

  it('every sdp_slurmdeploy metric the deployer serves is listed in the README (or docs/)', async () => {
    const docs = path.join(repoRoot, 'docs');
    const pages = existsSync(docs) ? (await readdir(docs)).filter((f) => f.endsWith('.md')).map((f) => path.join(docs, f)) : [];
    const text = (await Promise.all([path.join(repoRoot, 'README.md'), ...pages].map((f) => readFile(f, 'utf8')))).join('\n');
    const ours = [...(await deployerMetricNames())].filter((n) => n.startsWith('sdp_slurmdeploy_')).map((n) => n.replace(/_(bucket|sum|count)$/, ''));
    expect([...new Set(ours)].filter((name) => !text.includes(`\`${name}`))).to.deep.equal([]);
  });
});
