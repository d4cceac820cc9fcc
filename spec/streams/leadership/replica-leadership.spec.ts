// The replica's leadership as wired: the sole leader of an in-memory Config DB, the fence bound
// late to the election, and the role health reports (leader, follower in contact, cut off).

import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import type { LeadershipSource } from '../../../streams/leadership/leadership.js';
import type { Logger } from '../../../streams/ops/log.js';
import { lateFence, replicaRole, soleLeadership } from '../../../streams/leadership/replica-leadership.js';

describe('replica leadership', () => {
  it('an in-memory Config DB: the replica leads term 1 at once, and says so', async () => {
    const said: string[] = [];
    const log: Logger = { debug: () => undefined, info: (m) => said.push(m), warning: () => undefined, error: () => undefined };
    const sole = soleLeadership('r1', log);
    expect(await firstValueFrom(sole.changes)).to.deep.equal({ leader: true, term: 1, replicaId: 'r1' });
    expect(sole.canAct()).to.equal(true);
    expect(sole.leader()).to.deep.equal({ replicaId: 'r1', term: 1 });
    expect(said).to.deep.equal(['became leader']);
  });

  it('a late fence has no fence until bound, then the election\'s', () => {
    const late = lateFence();
    expect(late.fence.current()).to.equal(undefined);
    const outs: string[] = [];
    late.bind({ election: { fence: () => ({ key: 'k', createRevision: 9 }), fencedOut: (r: string, term: number) => outs.push(`${r} ${term}`) } } as unknown as LeadershipSource);
    expect(late.fence.current()).to.deep.equal({ key: 'k', createRevision: 9 });
    late.fence.fencedOut('another term', 9);
    expect(outs).to.deep.equal(['another term 9']);
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
