// Outages through a real logger at the default level, on a clock the spec moves: etcd-like rounds
// every half second, Slurm polls, the token source. What an operator reads in the pod's log.

import { expect } from 'chai';
import type { TokenEvent } from '../../../lib/auth/token-events.js';
import { Secret } from '../../../lib/base/secret.js';
import { initialWorld } from '../../../lib/core/world.js';
import type { DeployerEvent } from '../../../lib/core/events.js';
import { createLogger } from '../../../streams/ops/log.js';
import { watchDependency } from '../../../streams/ops/outage-log.js';
import { slurmOutage } from '../../../streams/ops/slurm-outage.js';
import { printableUrl } from '../../../lib/slurm/slurm-trouble.js';
import { logTokenEvent } from '../../../streams/ops/token-log.js';

interface Line {
  readonly level: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

function logged() {
  const lines: Line[] = [];
  const log = createLogger({ level: 'INFO', write: (line) => lines.push(JSON.parse(line) as Line) });
  let now = 1_000_000;
  return { lines, log, now: () => now, advance: (ms: number) => (now += ms) };
}

const step = (event: DeployerEvent) => ({ type: 'step' as const, event, world: initialWorld, commands: [] });

describe('outage log', () => {
  it('a dependency failing every half second for 3 minutes: a WARNING at once, one per minute with the count, an INFO with the outage length', () => {
    const { lines, log, now, advance } = logged();
    const etcd = watchDependency(log, 'etcd', { now });
    for (let i = 0; i < 20; i++, advance(500)) etcd.answered();
    for (let i = 0; i < 360; i++, advance(500)) etcd.failed('cannot reach etcd at h:1 (SDP_CONFIG_HOST, SDP_CONFIG_PORT)');
    etcd.answered();
    expect(lines.map((l) => [l.level, l.message])).to.deep.equal([
      ['WARNING', 'cannot reach etcd at h:1 (SDP_CONFIG_HOST, SDP_CONFIG_PORT)'],
      ['WARNING', 'still failing after 1m00s (121 failed attempts): cannot reach etcd at h:1 (SDP_CONFIG_HOST, SDP_CONFIG_PORT)'],
      ['INFO', 'etcd answers again after 3m00s (360 failed attempts)'],
    ]);
    expect(lines[2]).to.include({ dependency: 'etcd', failures: 360, down_seconds: 180 });
  });

  it('Slurm polls: failures say slurmrestd and its variable once, a refused token names the token variables, the gate is not Slurm', () => {
    const { lines, log, now, advance } = logged();
    const slurm = slurmOutage(log, 'https://user:pw@slurm.example:6820/?token=abc', 'jwt-file', { now });
    slurm.observe(step({ type: 'pollFailed', pollId: 1, failure: { kind: 'transient', message: 'pollJobs: not sent: this replica does not lead' } }));
    expect(lines).to.deep.equal([]);
    for (let i = 1; i <= 3; i++, advance(1000)) slurm.observe(step({ type: 'pollFailed', pollId: i, failure: { kind: 'transient', message: 'ECONNREFUSED' } }));
    slurm.observe(step({ type: 'statesPolled', pollId: 4, states: [] } as unknown as DeployerEvent));
    slurm.observe(step({ type: 'statesPollFailed', pollId: 5, failure: { kind: 'auth', message: 'HTTP 401' } }));
    expect(lines.map((l) => l.level)).to.deep.equal(['WARNING', 'INFO', 'WARNING']);
    expect(lines[0]?.message).to.match(/^cannot reach slurmrestd at https:\/\/slurm\.example:6820 \(SDP_SLURMDEPLOY_SLURM_URL\): .*\[slurm: ECONNREFUSED\]$/);
    expect(lines[1]?.message).to.equal('slurmrestd answers again after 3s (3 failed attempts)');
    expect(lines[2]?.message).to.match(/refused the Slurm token \(SDP_SLURMDEPLOY_SLURM_JWT_FILE, SDP_SLURMDEPLOY_CLIENT_ID\)/);
    expect(JSON.stringify(lines)).not.to.match(/pw|abc/);
  });

  it('says Slurm accepted a token only after a poll succeeded with it, once per new token', () => {
    const { lines, log } = logged();
    const slurm = slurmOutage(log, 'http://slurm:6820', 'jwt');
    const token = { token: new Secret('t0k3n'), obtainedAt: 0 };
    const obtained: TokenEvent = { type: 'tokenObtained', reason: 'start', token, changed: true, stale: false };
    slurm.observe(step({ type: 'jobsPolled', pollId: 1, jobs: [] }));
    slurm.token(obtained);
    slurm.observe(step({ type: 'pollFailed', pollId: 2, failure: { kind: 'auth', message: 'HTTP 401' } }));
    expect(lines.map((l) => l.message).filter((m) => m === 'Slurm accepted the token')).to.have.length(0);
    slurm.observe(step({ type: 'jobsPolled', pollId: 3, jobs: [] }));
    slurm.observe(step({ type: 'jobsPolled', pollId: 4, jobs: [] }));
    slurm.token({ ...obtained, changed: false });
    slurm.observe(step({ type: 'jobsPolled', pollId: 5, jobs: [] }));
    expect(lines.map((l) => l.message).filter((m) => m === 'Slurm accepted the token')).to.have.length(1);
  });

  it('the token server: each failed attempt at DEBUG, the outage once as a WARNING naming the token variables and the server', () => {
    const { lines, log, now, advance } = logged();
    const source = { watch: watchDependency(log, 'the token server', { now }), where: 'https://login.example/tenant?secret=x' };
    const failed: TokenEvent = { type: 'tokenFailed', reason: 'retry', failure: { kind: 'auth', message: 'ECONNREFUSED' }, attempt: 1, retryAt: 0 };
    for (let i = 0; i < 5; i++, advance(2000)) logTokenEvent(log, 'entra', failed, now(), source);
    logTokenEvent(log, 'entra', { type: 'tokenObtained', reason: 'retry', token: { token: new Secret('t'), obtainedAt: 0 }, changed: true, stale: false }, now(), source);
    expect(lines.map((l) => l.level)).to.deep.equal(['WARNING', 'INFO', 'INFO']);
    expect(lines[0]?.message).to.match(/^cannot get a Slurm token from the token server at https:\/\/login\.example\/tenant \(SDP_SLURMDEPLOY_AZURE_URL, SDP_SLURMDEPLOY_CLIENT_ID, SDP_SLURMDEPLOY_CLIENT_SECRET/);
    expect(lines[1]?.message).to.equal('the token server answers again after 10s (5 failed attempts)');
    expect(JSON.stringify(lines)).not.to.contain('secret=x');
  });

  it('prints URLs without credentials, query or fragment', () => {
    expect(printableUrl('http://a:b@h:1/p/?q=1#f')).to.equal('http://h:1/p/');
    expect(printableUrl('not a url')).to.equal('(an unreadable URL)');
  });

  it('Slurm refusing the token, told by Slurm\'s outage: each refusal of the token log at DEBUG', () => {
    const { lines, log } = logged();
    const token = { token: new Secret('t'), obtainedAt: 0 };
    const refused: TokenEvent = { type: 'tokenObtained', reason: 'rejected', token, changed: false, stale: false };
    const deferred: TokenEvent = { type: 'refreshDeferred', attempt: 1, retryAt: 0 };
    for (const event of [refused, deferred]) logTokenEvent(log, 'jwt', event, 0, undefined, true);
    expect(lines).to.deep.equal([]);
    for (const event of [refused, deferred]) logTokenEvent(log, 'jwt', event, 0);
    expect(lines.map((l) => l.level)).to.deep.equal(['WARNING', 'WARNING']);
  });
});
