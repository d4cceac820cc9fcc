// How fresh `status` is: the last poll, the rows where the Config DB is behind Slurm and since
// when, the line under the table, and a deleted deployment kept in a watch until its job ended.

import { expect } from 'chai';
import { keepDeleted } from '../../../lib/cli/status-deleted.js';
import { pollLine, withFreshness, type FreshStatusRow } from '../../../lib/cli/status-freshness.js';
import { statusChangeKey } from '../../../lib/cli/status-output.js';
import { formatTable } from '../../../lib/cli/status-table-text.js';
import { statusRows } from '../../../lib/core/status-table.js';
import { entry, job, LABEL } from '../../support/fixtures.js';

const NOW = 1_800_000_000_000;
const S = NOW / 1000;
const mark = { at: NOW - 12_000, replica: 'r1', term: 42 };

function rowsOf(jobs: ReturnType<typeof job>[], states: Record<string, { status: 'PENDING' | 'RUNNING' | 'FAILED'; job_id: number }>): FreshStatusRow[] {
  const deployments = Object.entries(states).map(([id, state]) => ({ ...entry(id), priorState: state }));
  return withFreshness(statusRows(deployments, [], jobs, LABEL, NOW), jobs, mark, NOW);
}

describe('status freshness', () => {
  it('marks a row whose status is not what Slurm says now as behind, since the job ended or started, and every row with the last poll', () => {
    const jobs = [
      job(1, 'failed', 'FAILED', { submitTime: S - 100, startTime: S - 90, endTime: S - 53, exitCode: { status: 3, signal: 0 } }),
      job(2, 'started', 'RUNNING', { submitTime: S - 30, startTime: S - 7 }),
      job(3, 'same', 'RUNNING', { submitTime: S - 30, startTime: S - 20 }),
    ];
    const rows = rowsOf(jobs, { failed: { status: 'PENDING', job_id: 1 }, started: { status: 'PENDING', job_id: 2 }, same: { status: 'RUNNING', job_id: 3 } });
    expect(rows.map((r) => [r.deployment, r.config_db_behind, r.behind_seconds])).to.deep.equal([
      ['failed', true, 53],
      ['same', false, null],
      ['started', true, 7],
    ]);
    expect(rows.every((r) => r.last_poll === new Date(NOW - 12_000).toISOString() && r.last_poll_age_seconds === 12)).to.equal(true);
    const table = formatTable(rows);
    expect(table).to.match(/failed .* PENDING \(behind 53s\)/).and.to.match(/same .* RUNNING  /);
  });

  it('has null freshness without a job, without Slurm times, and without a published poll', () => {
    const rows = withFreshness(statusRows([{ ...entry('x'), priorState: { status: 'RUNNING', job_id: 9 } }, { ...entry('y'), priorState: { status: 'PENDING', job_id: 8 } }], [], [job(8, 'y', 'RUNNING')], LABEL, NOW), [job(8, 'y', 'RUNNING')], undefined, NOW);
    expect(rows.map((r) => [r.config_db_behind, r.behind_seconds, r.last_poll, r.last_poll_age_seconds])).to.deep.equal([
      [false, null, null, null],
      [true, null, null, null],
    ]);
    expect(formatTable(rows)).to.contain('PENDING (behind)');
  });

  it('says the last poll under the table, and what behind means when a row is', () => {
    const fresh = rowsOf([job(3, 'same', 'RUNNING')], { same: { status: 'RUNNING', job_id: 3 } });
    expect(pollLine({ mark }, fresh, NOW)).to.equal('last Slurm poll: 12s ago by r1 (term 42)');
    const behind = rowsOf([job(3, 'b', 'RUNNING')], { b: { status: 'PENDING', job_id: 3 } });
    expect(pollLine({ mark }, behind, NOW)).to.match(/^last Slurm poll: 12s ago by r1 \(term 42\); "behind": /);
    expect(pollLine({ mark: undefined }, fresh, NOW)).to.equal('last Slurm poll: none published (no leader has polled yet)');
    expect(pollLine({ unreadable: 'deadline' }, fresh, NOW)).to.equal('last Slurm poll: unknown (deadline)');
    expect(pollLine(undefined, fresh, NOW)).to.equal(undefined);
  });

  it('a watch sees no change in the passing of time, and a change of leader', () => {
    const a = rowsOf([job(2, 's', 'RUNNING', { startTime: S - 7 })], { s: { status: 'PENDING', job_id: 2 } });
    const later = a.map((r) => ({ ...r, behind_seconds: 99, last_poll_age_seconds: 50, last_poll: 'x', age_seconds: 5 }));
    expect(statusChangeKey(a, 'leader: r1 (term 1)')).to.equal(statusChangeKey(later, 'leader: r1 (term 1)'));
    expect(statusChangeKey(a, 'leader: r1 (term 1)')).to.not.equal(statusChangeKey(a, 'leader: r2 (term 2)'));
  });

  it('keeps a deployment deleted during a watch until a read has shown its job ended, then drops it', () => {
    const before = rowsOf([job(4, 'gone', 'RUNNING')], { gone: { status: 'RUNNING', job_id: 4 } });
    const cancelling = keepDeleted(before, [], [job(4, 'gone', 'RUNNING', { state: { base: 'RUNNING', flags: ['COMPLETING'] } })]);
    expect(cancelling.map((r) => [r.deployment, r.slurm_state, r.status, r.reason])).to.deep.equal([['gone', 'RUNNING+COMPLETING', null, 'deployment deleted: its job is being cancelled']]);
    const ended = keepDeleted(cancelling, [], [job(4, 'gone', 'CANCELLED')]);
    expect(ended.map((r) => [r.slurm_state, r.reason])).to.deep.equal([['CANCELLED', 'deployment deleted: its job ended (CANCELLED)']]);
    expect(keepDeleted(ended, [], [job(4, 'gone', 'CANCELLED')])).to.deep.equal([]);
    // Ended already at the first read after the delete: shown once all the same.
    expect(keepDeleted(before, [], [job(4, 'gone', 'CANCELLED')]).map((r) => r.slurm_state)).to.deep.equal(['CANCELLED']);
    // A job Slurm no longer lists, or a deployment listed again: nothing kept.
    expect(keepDeleted(before, [], [])).to.deep.equal([]);
    expect(keepDeleted(before, before, [job(4, 'gone', 'CANCELLED')])).to.deep.equal(before);
  });
});
