// The replica's leadership as wired: built before the clients and acting only once started (the
// sole leader of an in-memory Config DB; an election on etcd, whose fence refuses until then), and
// the role health reports (leader, follower in contact, cut off).

import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { readConfig } from '../../../lib/config/deployer-config.js';
import type { Logger } from '../../../streams/ops/log.js';
import { electedLeadership, replicaLeadership, replicaRole, soleLeadership } from '../../../streams/leadership/replica-leadership.js';
import { MINIMAL_ENV } from '../../support/fixtures.js';

describe('replica leadership', () => {
  const logged = () => {
    const said: string[] = [];
    const log: Logger = { debug: () => undefined, info: (m) => said.push(m), warning: () => undefined, error: () => undefined };
    return { said, log };
  };

  it('an in-memory Config DB: the replica leads nothing until started, then term 1 at once, and says so once', async () => {
    const { said, log } = logged();
    const sole = soleLeadership('r1', log);
    expect(await firstValueFrom(sole.changes)).to.deep.equal({ leader: false, replicaId: 'r1' });
    expect([sole.canAct(), sole.leader(), said]).to.deep.equal([false, undefined, []]);
    sole.start();
    sole.start();
    expect(await firstValueFrom(sole.changes)).to.deep.equal({ leader: true, term: 1, replicaId: 'r1' });
    expect(sole.canAct()).to.equal(true);
    expect(sole.leader()).to.deep.equal({ replicaId: 'r1', term: 1 });
    expect(said).to.deep.equal(['became leader']);
    expect(sole.fence).to.equal(undefined);
  });

  it('on etcd, built before the clients: no client, no campaign, a fence that refuses, until started', async () => {
    const result = readConfig({ ...MINIMAL_ENV, SDP_CONFIG_HOST: '127.0.0.1', SDP_CONFIG_PORT: '1' });
    if (!result.ok) throw new Error('configuration');
    const { said, log } = logged();
    const elected = replicaLeadership(result.config, 'r1', log);
    expect(await firstValueFrom(elected.changes)).to.deep.equal({ leader: false, replicaId: 'r1' });
    expect(elected.fence?.current()).to.equal(undefined);
    expect([elected.canAct(), elected.leader(), elected.lastContactAt()]).to.deep.equal([false, undefined, undefined]);
    elected.publishPoll(Date.now());
    await elected.resign();
    expect(said).to.deep.equal([]);
    expect(replicaLeadership({ ...result.config, configDb: { ...result.config.configDb, backend: 'memory' } }, 'r1', log).fence).to.equal(undefined);
    expect(electedLeadership(result.config, 'r2', log).fence).to.not.equal(undefined);
  });

  it('is a follower only while etcd was reached within 3 s (or the TTL, if shorter)', () => {
    const at = (canAct: boolean, contact: number | undefined) => ({ canAct: () => canAct, lastContactAt: () => contact });
    expect(replicaRole(at(true, undefined), 10, 0)).to.equal('leader');
    expect(replicaRole(at(false, 1000), 10, 4000)).to.equal('follower');
    expect(replicaRole(at(false, 1000), 10, 4001)).to.equal('cut off');
    expect(replicaRole(at(false, 1000), 2, 3001)).to.equal('cut off');
    expect(replicaRole(at(false, undefined), 10, 0)).to.equal('cut off');
  });
});
