// What an operator reads at the default log level when a dependency is out of reach: the
// deployer started against a closed etcd port, then a closed slurmrestd port (a port the spec
// opens and closes in front of the shared stack's daemons, which are never stopped). A WARNING
// naming the variables and the address within 10 s, no other for a minute, an INFO when it
// answers again.

import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3 } from 'etcd3';
import { deployerEnv, startDeployer, type DeployerProcess } from '../support/deployer-process.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { livePrefix, removeBelow } from '../support/live-prefix.js';
import { PortSwitch } from '../support/port-switch.js';
import { startStack, type StackEnv } from '../support/stack.js';

interface Line {
  readonly level: string;
  readonly message: string;
  readonly time: string;
  readonly [field: string]: unknown;
}

const linesOf = (deployer: DeployerProcess): Line[] =>
  deployer
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);

describe('outages in the log at the default level @live', function () {
  this.timeout(150_000);
  const tag = randomBytes(3).toString('hex');
  const prefix = livePrefix(`ops-${tag}`);
  let stack: StackEnv;
  let deployer: DeployerProcess | undefined;
  let gate: PortSwitch | undefined;

  before(async () => {
    stack = await startStack();
  });

  // What the deployer that reached etcd wrote: its leadership and poll marks.
  after(async () => {
    if (stack === undefined) return;
    const etcd = new Etcd3({ hosts: `http://${stack.SDP_CONFIG_HOST}:${stack.SDP_CONFIG_PORT}` });
    await removeBelow(etcd, prefix);
    etcd.close();
  });

  afterEach(async () => {
    const code = await deployer?.stop();
    deployer = undefined;
    await gate?.close();
    gate = undefined;
    expect(code).to.equal(0);
  });

  // The repeat once a minute while an outage lasts is the outage tracker's (lib/core), proven in
  // virtual time by spec/streams/ops/outage-log.spec.ts; here, the real election feeding it.
  it('etcd: a WARNING naming SDP_CONFIG_HOST/SDP_CONFIG_PORT and the address within 10 s, no other in the next 10 s, an INFO with the length and the attempts when it answers', async () => {
    const port = await freePort();
    gate = new PortSwitch(port, Number(stack.SDP_CONFIG_PORT), stack.SDP_CONFIG_HOST);
    // Its own Config DB prefix: a deployer that leads here sees nothing of the other specs.
    const startedAt = Date.now();
    deployer = startDeployer(deployerEnv(stack, `ol${tag}`, { SDP_LOG_LEVEL: 'INFO', SDP_CONFIG_PORT: String(port), SDP_CONFIG_PREFIX: prefix }));
    const etcdWarnings = () => linesOf(deployer as DeployerProcess).filter((l) => l.level === 'WARNING' && l['dependency'] === 'etcd');
    const first = await eventually('a WARNING about etcd', async () => etcdWarnings()[0], 10_000, 100);
    const firstAfterS = (Date.parse(first.time) - startedAt) / 1000;
    expect(first.message).to.contain(`127.0.0.1:${port}`).and.to.contain('SDP_CONFIG_HOST').and.to.contain('SDP_CONFIG_PORT');
    expect(first).to.include({ failures: 1 });
    expect(linesOf(deployer).some((l) => l.level === 'DEBUG'), 'the default level').to.equal(false);
    // The election keeps trying, at DEBUG: the next WARNING is owed only a minute after the first.
    await sleep(Date.parse(first.time) + 10_000 - Date.now());
    const warnings = etcdWarnings();
    expect(warnings, warnings.map((w) => `${w.time} ${w.message}`).join('\n')).to.have.length(1);
    await gate.open();
    const openedAt = Date.now();
    const recovered = await eventually('an INFO: etcd answers again', async () => linesOf(deployer as DeployerProcess).find((l) => l.level === 'INFO' && l['dependency'] === 'etcd'), 15_000, 100);
    const [, downS = '', attempts = ''] = /^etcd answers again after (\d+)s \((\d+) failed attempts\)$/.exec(recovered.message) ?? [];
    expect(recovered.message).to.match(/^etcd answers again after \d+s \(\d+ failed attempts\)$/);
    expect(Number(downS), 'the outage, from the first failure to the answer').to.be.within(9, 30);
    expect(Number(attempts), 'attempts kept failing (each at DEBUG), not one alone').to.be.at.least(2);
    expect(recovered).to.include({ failures: Number(attempts) });
    await eventually('leadership once etcd answers', async () => (linesOf(deployer as DeployerProcess).some((l) => l.message === 'became leader') ? true : undefined), 20_000);
    console.log(`      first WARNING ${firstAfterS.toFixed(1)} s after the start, INFO ${((Date.parse(recovered.time) - openedAt) / 1000).toFixed(1)} s after the port opened: ${recovered.message}`);
  });

  it('slurmrestd: a WARNING naming SDP_SLURMDEPLOY_SLURM_URL and the address within 10 s, at start and under a running deployer, an INFO each time it answers', async () => {
    const port = await freePort();
    gate = new PortSwitch(port, Number(new URL(stack.SLURM_URL).port), new URL(stack.SLURM_URL).hostname);
    const url = `http://127.0.0.1:${port}`;
    const startedAt = Date.now();
    // The in-memory Config DB: this replica leads at once and sees no deployment of anyone's.
    deployer = startDeployer(deployerEnv(stack, `ol${tag}`, { SDP_LOG_LEVEL: 'INFO', SDP_CONFIG_BACKEND: 'memory', SDP_SLURMDEPLOY_SLURM_URL: url }));
    const lines = () => linesOf(deployer as DeployerProcess).filter((l) => l['dependency'] === 'slurmrestd');
    const atStart = await eventually('a WARNING about slurmrestd at start', async () => lines().find((l) => l.level === 'WARNING'), 10_000, 100);
    expect(atStart.message).to.contain(url).and.to.contain('SDP_SLURMDEPLOY_SLURM_URL');
    const atStartS = (Date.parse(atStart.time) - startedAt) / 1000;
    await sleep(3000);
    await gate.open();
    await eventually('an INFO: slurmrestd answers', async () => lines().find((l) => l.level === 'INFO'), 70_000, 100);
    await eventually('a poll with the token', async () => (linesOf(deployer as DeployerProcess).some((l) => l.message === 'Slurm accepted the token') ? true : undefined), 15_000);
    // Under a running deployer (polls every second): closed again for 8 s.
    await gate.close();
    const closedAt = Date.now();
    const during = await eventually('a WARNING about slurmrestd under the running deployer', async () => lines().filter((l) => l.level === 'WARNING')[1], 10_000, 100);
    expect(during.message).to.contain(url).and.to.contain('SDP_SLURMDEPLOY_SLURM_URL');
    const duringS = (Date.parse(during.time) - closedAt) / 1000;
    await sleep(8000);
    expect(lines().filter((l) => l.level === 'WARNING'), 'one WARNING per outage shorter than a minute').to.have.length(2);
    await gate.open();
    const back = await eventually('a second INFO: slurmrestd answers again', async () => lines().filter((l) => l.level === 'INFO')[1], 15_000, 100);
    expect(back.message).to.match(/^slurmrestd answers again after \d+s \(\d+ failed attempts\)$/);
    expect(deployer.output()).not.to.contain(stack.SLURM_JWT);
    console.log(`      WARNING ${atStartS.toFixed(1)} s after the start, ${duringS.toFixed(1)} s after the port closed under a running deployer`);
  });
});
