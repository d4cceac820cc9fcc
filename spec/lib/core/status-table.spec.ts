import { expect } from 'chai';
import { formatAge, formatTable, statusRows } from '../../../lib/core/status-table.js';
import { entry, job, LABEL } from '../../support/fixtures.js';

describe('statusRows', () => {
  const now = 1_800_000_000_000;

  it('shows each slurm deployment with its job as Slurm has it and its status as written', () => {
    const running = { ...entry('b-run'), priorState: { status: 'RUNNING' as const, job_id: 4 } };
    const done = { ...entry('a-done'), priorState: { status: 'FINISHED' as const, job_id: 3, slurm_state: 'COMPLETED' } };
    const rows = statusRows(
      [running, done, entry('h', {}, 1, 'helm')],
      [{ id: 'c-bad', reason: 'args: expected an object', revision: 3 }],
      [job(4, 'b-run', 'RUNNING', { submitTime: now / 1000 - 125 }), { ...job(5, 'b-run', 'RUNNING'), mcsLabel: 'other' }],
      LABEL,
      now,
    );
    expect(rows).to.deep.equal([
      { deployment: 'a-done', jobId: '3', slurmState: 'COMPLETED (gone)', status: 'FINISHED', reason: '', age: '-' },
      { deployment: 'b-run', jobId: '4', slurmState: 'RUNNING', status: 'RUNNING', reason: '', age: '2m05s' },
      { deployment: 'c-bad', jobId: '-', slurmState: '-', status: '-', reason: 'args: expected an object', age: '-' },
    ]);
  });

  it('formats an aligned table', () => {
    const table = formatTable([{ deployment: 'x', jobId: '12', slurmState: 'RUNNING', status: 'RUNNING', reason: '', age: '5s' }]);
    expect(table.split('\n')).to.deep.equal(['DEPLOYMENT  JOB  SLURM STATE  STATUS   AGE  REASON', 'x           12   RUNNING      RUNNING  5s']);
  });

  it('formats ages in the largest two units', () => {
    expect([formatAge(5), formatAge(65), formatAge(3 * 3600 + 7 * 60), formatAge(2 * 86_400 + 3 * 3600)]).to.deep.equal(['5s', '1m05s', '3h07m', '2d03h']);
  });
});
