// What `status` prints: the rows asked for, rendered per output, a change key blind to age, the
// leader line.

import { expect } from 'chai';
import { leaderLine, renderStatus, selectStatusRows, showsLeader, statusChangeKey, terminalFrame } from '../../../lib/cli/status-output.js';
import type { StatusRow } from '../../../lib/core/status-table.js';
import { entry, LABEL } from '../../support/fixtures.js';

const row = (deployment: string, age: number | null): StatusRow => ({
  deployment,
  job_id: 7,
  slurm_state: 'RUNNING',
  status: 'RUNNING',
  reason: '',
  submitted: null,
  age_seconds: age,
  exit_code: null,
  submit_id: null,
  generation: null,
});

describe('status output', () => {
  it('selects the rows of the ids given, or all, invalid deployments with their prior state', () => {
    const listing = {
      deployments: [entry('a'), entry('b')],
      invalid: [{ id: 'bad', reason: 'args: not an object' }],
      invalidStates: new Map([['bad', { status: 'FAILED', reason: 'args: not an object' }]]),
      revision: 3,
    } as never;
    expect(selectStatusRows(listing, [], LABEL, 0, []).map((r) => r.deployment)).to.have.members(['a', 'b', 'bad']);
    const only = selectStatusRows(listing, [], LABEL, 0, ['bad', 'zzz']);
    expect(only.map((r) => r.deployment)).to.deep.equal(['bad']);
    expect(only[0]?.status).to.equal('FAILED');
  });

  it('renders JSON pretty once, one line per document when watching; YAML documents separated', () => {
    const rows = [row('a', 5)];
    expect(renderStatus(rows, 'json', false)).to.equal(`${JSON.stringify(rows, null, 2)}\n`);
    expect(renderStatus(rows, 'json', true)).to.equal(`${JSON.stringify(rows)}\n`);
    expect(renderStatus(rows, 'yaml', true)).to.match(/^---\n- deployment: a\n/);
    expect(renderStatus(rows, 'yaml', false)).to.match(/^- deployment: a\n/);
    expect(renderStatus(rows, 'wide', false).split('\n')[0]).to.not.equal(renderStatus(rows, 'table', false).split('\n')[0]);
    expect(showsLeader('table') && showsLeader('wide') && !showsLeader('json') && !showsLeader('yaml')).to.equal(true);
  });

  it('sees a change in anything but the age', () => {
    expect(statusChangeKey([row('a', 5)])).to.equal(statusChangeKey([row('a', 65)]));
    expect(statusChangeKey([row('a', 5)])).to.not.equal(statusChangeKey([{ ...row('a', 5), slurm_state: 'COMPLETED' }]));
  });

  it('names the leader, none, or why it cannot be read', () => {
    expect(leaderLine({ leader: { replicaId: 'r1', term: 42 } })).to.equal('leader: r1 (term 42)');
    expect(leaderLine({ leader: undefined })).to.equal('leader: none');
    expect(leaderLine({ unreadable: 'deadline exceeded' })).to.equal('leader: unknown (deadline exceeded)');
    expect(terminalFrame('t\n', new Date(0))).to.equal('\x1b[H\x1b[2J1970-01-01T00:00:00.000Z\nt\n');
  });
});
