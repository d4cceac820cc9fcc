import { expect } from 'chai';
import { statusRows } from '../../../lib/core/status-table.js';
import { entry, job, LABEL, statusRow } from '../../support/fixtures.js';

const row = statusRow;

describe('statusRows', () => {
  const now = 1_800_000_000_000;

  it('shows each slurm deployment with its job as Slurm has it and its status as written', () => {
    const running = { ...entry('b-run'), priorState: { status: 'RUNNING' as const, job_id: 4, generation: 1 } };
    const done = { ...entry('a-done'), priorState: { status: 'FINISHED' as const, job_id: 3, slurm_state: 'COMPLETED', exit_code: 0 } };
    const rows = statusRows(
      [running, done, entry('h', {}, 1, 'helm')],
      [{ id: 'c-bad', reason: 'args: expected an object', revision: 3 }],
      [job(4, 'b-run', 'RUNNING', { submitTime: now / 1000 - 125 }), { ...job(5, 'b-run', 'RUNNING'), mcsLabel: 'other' }],
      LABEL,
      now,
    );
    expect(rows.map((r) => ({ ...r, submit_id: null }))).to.deep.equal([
      row('a-done', { job_id: 3, slurm_state: 'COMPLETED (gone)', status: 'FINISHED', exit_code: 0 }),
      row('b-run', { job_id: 4, slurm_state: 'RUNNING', status: 'RUNNING', submitted: new Date(now - 125_000).toISOString(), age_seconds: 125, generation: 1 }),
      row('c-bad', { reason: 'args: expected an object' }),
    ]);
  });

  it('gives null, not Slurm\'s 0 and "", for the exit code and reason of a job that has not ended', () => {
    const rows = statusRows(
      [{ ...entry('run'), priorState: { status: 'RUNNING' as const, job_id: 4 } }, { ...entry('end'), priorState: { status: 'FAILED' as const, job_id: 5, reason: 'exit code 3' } }],
      [],
      [job(4, 'run', 'RUNNING', { exitCode: { status: 0, signal: 0 }, reason: 'None' }), job(5, 'end', 'FAILED', { exitCode: { status: 3, signal: 0 } })],
      LABEL,
      now,
    );
    expect(rows.map((r) => [r.deployment, r.exit_code, r.reason])).to.deep.equal([
      ['end', 3, 'exit code 3'],
      ['run', null, null],
    ]);
  });

  it('shows the status written for a deployment whose value cannot be read', () => {
    const rows = statusRows([], [{ id: 'not-json', reason: 'value: not valid JSON', revision: 3, priorState: { status: 'FAILED', reason: 'value: not valid JSON' } }], [], LABEL, now);
    expect(rows).to.deep.equal([row('not-json', { status: 'FAILED', reason: 'value: not valid JSON' })]);
  });
});
