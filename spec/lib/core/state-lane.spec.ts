// The lane to a deployment's state in the Config DB (lib/core/state-lane.ts): one write or
// removal in flight at a time, each waiting for the answer of the one before.

import { expect } from 'chai';
import { entry } from '../../support/fixtures.js';
import { g1, ofType, Run, T0 } from '../../support/reducer-run.js';

const REFUSED = { kind: 'permanent', message: 'bad partition' } as const;
const SOON = { kind: 'transient', message: 'etcd down' } as const;

/** A run that answers no state write by itself: d1 listed and submitted, its first state in flight. */
function writing(): Run {
  const run = new Run(false);
  run.feed({ type: 'configListed', deployments: [entry('d1')], invalid: [] });
  expect(run.poll(T0).map((c) => c.type)).to.deep.equal(['submitJob', 'writeState']);
  return run;
}

describe('the state lane', () => {
  it('removes the state of a deployment deleted while a write of it is in flight only once that write is answered', () => {
    const run = writing();
    expect(run.feed({ type: 'submitFailed', id: 'd1', submitId: 'r10', failure: REFUSED })).to.deep.equal([]);
    expect(run.feed({ type: 'deploymentDeleted', id: 'd1' })).to.deep.equal([]);
    expect(run.feed({ type: 'stateWritten', id: 'd1', state: g1({ status: 'PENDING' }) })).to.deep.equal([{ type: 'deleteState', id: 'd1' }]);
  });

  it('writes the state of a deployment put again while its removal is in flight once that is answered, and does not remove it again after a failure', () => {
    const run = writing();
    run.feed({ type: 'submitFailed', id: 'd1', submitId: 'r10', failure: REFUSED });
    const refused = run.feed({ type: 'stateWritten', id: 'd1', state: g1({ status: 'PENDING' }) });
    const [failed] = ofType(refused, 'writeState');
    expect(failed?.state.status).to.equal('FAILED');
    run.feed({ type: 'stateWritten', id: 'd1', state: failed!.state });
    expect(run.feed({ type: 'deploymentDeleted', id: 'd1' })).to.deep.equal([{ type: 'deleteState', id: 'd1' }]);
    const again = run.feed({ type: 'deploymentPut', deployment: entry('d1', { script: 'again' }, 12) });
    expect(again.map((c) => c.type)).to.deep.equal(['submitJob']);
    const answered = run.feed({ type: 'stateDeleteFailed', id: 'd1', failure: SOON });
    expect(ofType(answered, 'writeState').map((c) => c.state)).to.deep.equal([g1({ status: 'PENDING' })]);
    expect(ofType(answered, 'deleteState')).to.deep.equal([]);
    expect(ofType(run.feed({ type: 'tick', now: T0 + 600_000 }), 'deleteState')).to.deep.equal([]);
  });
});
