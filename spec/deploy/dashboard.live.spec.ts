// The kit against real parts: `node bin/deployer` on the local stack (22.05 + etcd, a Config DB
// prefix and release of its own), scraped every second by Debian's Prometheus with the kit's rules
// loaded, beside a second deployer pointed at a closed etcd port. Deployments that finish, get
// cancelled and get rejected give every counter a series; then every panel query of the dashboard
// must return at least one series, every alert rule must evaluate without error, and the Config DB
// alert must pick out the replica cut off from etcd, and only it.

import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { deploymentKey, deploymentsKeyPrefix, registryKeyPrefix, stateKey, statesKeyPrefix, watermarkKey } from '../../lib/configdb/paths.js';
import { pollMarkKey } from '../../lib/configdb/poll-mark.js';
import { deployerEnv, startDeployer, type DeployerProcess } from '../support/deployer-process.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { expand, panelQueries, readDashboard, variableQueries } from '../support/grafana-dashboard.js';
import { startPrometheus, type PrometheusServer } from '../support/prometheus-server.js';
import { cancelDirect, slurmJobs } from '../support/slurm-direct.js';
import { startStack, type StackEnv } from '../support/stack.js';

describe('Prometheus kit on a live deployer @live', function () {
  this.timeout(120_000);
  const run = randomBytes(3).toString('hex');
  const prefix = `/promkit${run}`;
  const releaseName = `prom${run}`;
  const label = `sdp_slurm_deployer_${releaseName}_test`;
  const id = (what: string) => `${what}-${run}`;
  let stack: StackEnv;
  let etcd: Etcd3;
  let deployer: DeployerProcess | undefined;
  /** A deployer that cannot reach etcd (a closed port): a replica cut off. */
  let cutOff: DeployerProcess | undefined;
  let cutOffTarget: string;
  let prometheus: PrometheusServer | undefined;
  let dir: string | undefined;
  let codes: (number | null | undefined)[] = [];

  const put = (key: string, args: unknown) => etcd.put(deploymentKey(key, prefix)).value(JSON.stringify({ key, kind: 'slurm', args }));
  const statusOf = async (key: string) => {
    const text = await etcd.get(stateKey(key, prefix)).string();
    return text === null ? undefined : (JSON.parse(text) as { status: string }).status;
  };
  const reaches = (key: string, status: string) => eventually(`${key} to reach ${status}`, async () => ((await statusOf(key)) === status ? status : undefined), 60_000, 250);

  before(async function () {
    this.timeout(900_000);
    stack = await startStack();
    etcd = new Etcd3({ hosts: `http://${stack.SDP_CONFIG_HOST}:${stack.SDP_CONFIG_PORT}` });
    const port = await freePort();
    deployer = startDeployer(
      deployerEnv(stack, releaseName, {
        SDP_CONFIG_PREFIX: prefix,
        SDP_SLURMDEPLOY_TAKEOVER_HOLD: '0',
        SDP_SLURMDEPLOY_METRICS_PORT: String(port),
        SDP_SLURMDEPLOY_METRICS_HOST: '127.0.0.1',
        SDP_LOG_LEVEL: 'INFO',
      }),
    );
    cutOffTarget = `127.0.0.1:${await freePort()}`;
    cutOff = startDeployer(
      deployerEnv(stack, `${releaseName}cut`, {
        SDP_CONFIG_PORT: String(await freePort()),
        SDP_CONFIG_PREFIX: `${prefix}cut`,
        SDP_SLURMDEPLOY_METRICS_PORT: cutOffTarget.split(':')[1] as string,
        SDP_SLURMDEPLOY_METRICS_HOST: '127.0.0.1',
        SDP_LOG_LEVEL: 'INFO',
      }),
    );
    dir = await mkdtemp(path.join(tmpdir(), 'sdp-prometheus-'));
    prometheus = await startPrometheus(dir, [`127.0.0.1:${port}`, cutOffTarget]);
    // A submit, a cancel (by deletion) and a failure (a partition Slurm does not have).
    await put(id('done'), { script: '#!/bin/bash\ntrue\n' });
    await put(id('deleted'), { script: '#!/bin/bash\nsleep 300\n' });
    await put(id('rejected'), { script: '#!/bin/bash\ntrue\n', partition: 'nosuchpartition' });
    await reaches(id('deleted'), 'RUNNING');
    await etcd.delete().key(deploymentKey(id('deleted'), prefix));
    await reaches(id('done'), 'FINISHED');
    await reaches(id('rejected'), 'FAILED');
  });

  after(async () => {
    codes = [await deployer?.stop(), await cutOff?.stop()];
    await prometheus?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    if (etcd !== undefined) {
      await etcd.delete().prefix(deploymentsKeyPrefix(prefix));
      await etcd.delete().prefix(statesKeyPrefix(prefix));
      await etcd.delete().key(watermarkKey(label, prefix));
      await etcd.delete().prefix(registryKeyPrefix(label, prefix));
      await etcd.delete().key(pollMarkKey(label, prefix));
      etcd.close();
    }
    // The cancelled job, had the deployer not cancelled it; nothing else of ours should run.
    const left = stack === undefined ? [] : (await slurmJobs(stack)).filter((j) => j.mcs_label === label && (j.job_state === 'PENDING' || j.job_state === 'RUNNING'));
    await Promise.all(left.map((j) => cancelDirect(stack, j.job_id)));
    if (codes.some((c) => c !== 0)) console.log(deployer?.output(), cutOff?.output());
    expect(codes, 'deployer exit codes after SIGTERM').to.deep.equal([0, 0]);
  });

  it("lists the deployer's scrape job in the dashboard's job variable", async () => {
    const [variable, ...more] = variableQueries(await readDashboard());
    expect(more).to.deep.equal([]);
    const jobs = await eventually('a scrape of both deployers', async () => {
      const values = (await prometheus!.query(variable!.metric)).map((s) => s.metric[variable!.label]);
      return values.length === 2 ? values : undefined;
    });
    expect(new Set(jobs)).to.deep.equal(new Set(['sdp-slurm-deployer']));
  });

  it('counted what the deployments did: a submit rejected for good, a cancel for a removed deployment', async () => {
    // Summed over both deployers: the one cut off from etcd counts nothing.
    const counted = async (expr: string) => eventually(expr, async () => {
      const [series] = await prometheus!.query(`sum(${expr})`);
      return series === undefined ? undefined : Number(series.value[1]);
    });
    expect(await counted('sdp_slurmdeploy_failures_total{operation="submit",kind="permanent"}')).to.equal(1);
    expect(await counted('sdp_slurmdeploy_cancels_total{why="deployment removed"}')).to.equal(1);
    expect(await counted('sdp_slurmdeploy_submits_total')).to.equal(2);
  });

  it('returns at least one series for every panel query of the dashboard', async () => {
    const queries = panelQueries(await readDashboard());
    // Grafana's $__rate_interval for a 1 s scrape is 4 s at least; 10 s leaves the counters' rates two scrapes or more.
    const values = { job: 'sdp-slurm-deployer', __rate_interval: '10s' };
    const empty: string[] = [];
    const counts: string[] = [];
    for (const q of queries) {
      const expr = expand(q.expr, values);
      try {
        const series = await eventually(q.where, async () => {
          const result = await prometheus!.query(expr);
          return result.length > 0 ? result : undefined;
        }, 20_000, 500);
        counts.push(`${q.where}: ${series.length}`);
      } catch (error) {
        empty.push(`${q.where}: ${expr} (${String(error)})`);
      }
    }
    console.log(`      ${queries.length} panel queries, series each: ${counts.join('; ')}`);
    expect(empty, 'panel queries without a series').to.deep.equal([]);
  });

  it("evaluates every one of the kit's alert rules without error", async () => {
    interface Rule { name: string; type: string; health: string; lastError?: string }
    const rules = await eventually('every rule evaluated', async () => {
      const { groups } = await prometheus!.get<{ groups: { rules: Rule[] }[] }>('/api/v1/rules?type=alert');
      const all = groups.flatMap((g) => g.rules);
      return all.length > 0 && all.every((r) => r.health !== 'unknown') ? all : undefined;
    });
    expect(rules.length).to.be.greaterThan(15);
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError ?? r.health}`)).to.deep.equal([]);
  });

  it('puts SdpSlurmDeployerConfigDbUnreachable pending for the replica cut off from etcd, and for no other', async () => {
    interface Alert { labels: Record<string, string>; state: string }
    const alerts = await eventually('the Config DB alert pending', async () => {
      const { alerts } = await prometheus!.get<{ alerts: Alert[] }>('/api/v1/alerts');
      const ours = alerts.filter((a) => a.labels['alertname'] === 'SdpSlurmDeployerConfigDbUnreachable');
      return ours.length > 0 ? ours : undefined;
    });
    expect(alerts.map((a) => [a.labels['instance'], a.state])).to.deep.equal([[cutOffTarget, 'pending']]);
    // One replica leads: no leader alert for the job.
    const { alerts: all } = await prometheus!.get<{ alerts: Alert[] }>('/api/v1/alerts');
    expect(all.filter((a) => a.labels['alertname'] === 'SdpSlurmDeployerNoLeader')).to.deep.equal([]);
  });
});
