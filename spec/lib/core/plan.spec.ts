import { expect } from 'chai';
import { planCommands } from '../../../lib/core/plan.js';
import { entry, job, settings } from '../../support/fixtures.js';

describe('planCommands', () => {
  const now = 1_800_000_000_000;

  it('plans a submit for a deployment without a job, and nothing for one whose job runs', () => {
    const commands = planCommands(settings, { deployments: [entry('new'), entry('busy')], invalid: [], jobs: [job(4, 'busy', 'RUNNING')], now });
    // Deployments are decided in id order, each one's commands in the order it issues them.
    expect(commands.map((c) => [c.type, 'id' in c ? c.id : ''])).to.deep.equal([
      ['writeState', 'busy'],
      ['submitJob', 'new'],
      ['writeState', 'new'],
    ]);
  });

  it('plans the cancel of a labelled job whose deployment is gone', () => {
    const commands = planCommands(settings, { deployments: [], invalid: [], jobs: [job(9, 'gone', 'PENDING')], now });
    expect(commands).to.deep.equal([{ type: 'cancelJob', id: 'gone', jobId: 9, why: 'deployment removed' }]);
  });
});
