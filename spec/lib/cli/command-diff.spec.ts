// firstCommandDiff and lineDiff: the first differing command of a replay, shown as a line diff.

import { expect } from 'chai';
import { firstCommandDiff, lineDiff } from '../../../lib/cli/command-diff.js';

describe('firstCommandDiff', () => {
  const poll = { type: 'pollJobs', pollId: 3 };
  it('shows the first command that differs, keys sorted, as a line diff', () => {
    const recorded = [poll, { type: 'writeState', id: 'a', state: { status: 'RUNNING', job_id: 7 } }];
    const replayed = [poll, { id: 'a', type: 'writeState', state: { job_id: 7, status: 'FINISHED' } }];
    expect(firstCommandDiff(recorded, replayed).split('\n')).to.deep.equal([
      'command 2: recorded 2 command(s), replayed 2',
      '--- recorded',
      '+++ replayed',
      '  {',
      '    "id": "a",',
      '    "state": {',
      '      "job_id": 7,',
      '-     "status": "RUNNING"',
      '+     "status": "FINISHED"',
      '    },',
      '    "type": "writeState"',
      '  }',
    ]);
  });

  it('shows a command only one side has', () => {
    const diff = firstCommandDiff([poll], [poll, { type: 'deleteState', id: 'x' }]);
    expect(diff).to.contain('command 2: recorded 1 command(s), replayed 2');
    expect(diff).to.contain('+ {\n+   "id": "x",');
    expect(firstCommandDiff([poll], [poll])).to.equal('the commands are equal');
  });

  it('diffs lines by longest common subsequence', () => {
    expect(lineDiff(['a', 'b', 'c'], ['a', 'x', 'c', 'd'])).to.deep.equal(['  a', '- b', '+ x', '  c', '+ d']);
  });
});
