import { expect } from 'chai';
import { alignColumns } from '../../../lib/cli/aligned-columns.js';
import { formatAge } from '../../../lib/cli/age-text.js';
import { formatTable } from '../../../lib/cli/status-table-text.js';
import { statusRow } from '../../support/fixtures.js';

const row = statusRow;

describe('the status table as text', () => {
  it('formats an aligned table, wide with more columns', () => {
    const rows = [row('x', { job_id: 12, slurm_state: 'RUNNING', status: 'RUNNING', age_seconds: 5 }), row('long-name', { reason: 'bad args' })];
    expect(formatTable(rows).split('\n')).to.deep.equal([
      'DEPLOYMENT  JOB  SLURM STATE  STATUS   AGE  REASON',
      'x           12   RUNNING      RUNNING  5s',
      'long-name   -    -            -        -    bad args',
    ]);
    expect(formatTable([row('x', { exit_code: 0, submit_id: 'r7', generation: 2 })], true).split('\n')).to.deep.equal([
      'DEPLOYMENT  JOB  SLURM STATE  STATUS  AGE  EXIT  SUBMIT  GEN  REASON',
      'x           -    -            -       -    0     r7      2',
    ]);
  });

  it('aligns columns whatever the widths, leaving the last unpadded', () => {
    expect(alignColumns([['A', 'BBB', 'C'], ['aaaa', 'b', 'cccc']])).to.equal('A     BBB  C\naaaa  b    cccc');
  });

  it('formats ages in the largest two units', () => {
    expect([formatAge(5), formatAge(65), formatAge(3 * 3600 + 7 * 60), formatAge(2 * 86_400 + 3 * 3600)]).to.deep.equal(['5s', '1m05s', '3h07m', '2d03h']);
  });
});
