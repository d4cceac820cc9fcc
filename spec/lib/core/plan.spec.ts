import { expect } from 'chai';
import { formatPlan, planCommands } from '../../../lib/core/plan.js';
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

  it('prints the plan as an aligned table, and says when there is nothing to do', () => {
    const commands = planCommands(settings, { deployments: [entry('new')], invalid: [], jobs: [job(9, 'a-long-gone-one', 'PENDING')], now });
    const lines = formatPlan(commands).split('\n');
    expect(lines[0]).to.equal('ACTION  DEPLOYMENT       DETAIL');
    expect(lines.slice(1).map((l) => l.slice(0, 25))).to.deep.equal(['submit  new              ', 'state   new              ', 'cancel  a-long-gone-one  ']);
    expect(lines[3]).to.equal('cancel  a-long-gone-one  job 9 (deployment removed)');
    expect(formatPlan([])).to.equal('nothing to do');
  });
});
