import { expect } from 'chai';
import { formatPlan } from '../../../lib/cli/plan-output.js';
import { planCommands } from '../../../lib/core/plan.js';
import { entry, job, settings } from '../../support/fixtures.js';

describe('the plan as text', () => {
  const now = 1_800_000_000_000;

  it('prints the plan as an aligned table, and says when there is nothing to do', () => {
    const commands = planCommands(settings, { deployments: [entry('new')], invalid: [], jobs: [job(9, 'a-long-gone-one', 'PENDING')], now });
    const lines = formatPlan(commands).split('\n');
    expect(lines[0]).to.equal('ACTION  DEPLOYMENT       DETAIL');
    expect(lines.slice(1).map((l) => l.slice(0, 25))).to.deep.equal(['submit  new              ', 'state   new              ', 'cancel  a-long-gone-one  ']);
    expect(lines[3]).to.equal('cancel  a-long-gone-one  job 9 (deployment removed)');
    expect(formatPlan([])).to.equal('nothing to do');
  });
});
