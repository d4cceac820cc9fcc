// createReplayCheck: the commands of each replayed step, and the verdict in words (quiet or
// not, as recorded or the first differing line with its diff, an empty journal).

import { expect } from 'chai';
import { commandLines, createReplayCheck } from '../../../lib/cli/replay-verdict.js';
import { recordedJournal } from '../../support/recorded-journal.js';

const journal = recordedJournal;

describe('createReplayCheck', () => {
  it('gives each step its commands and counts the steps replayed as recorded', () => {
    const check = createReplayCheck();
    const given = journal(false).map((line) => check.line(line));
    expect(given[0]).to.deep.equal([]);
    expect(given.some((commands) => commands.length > 0)).to.equal(true);
    expect(check.end('j', false)).to.deep.equal({ asRecorded: true, report: 'sdp-slurm-deployer replay: 3 steps of j replayed as recorded\n' });
  });

  it('says nothing when quiet and all replayed as recorded', () => {
    const check = createReplayCheck();
    for (const line of journal(false)) check.line(line);
    expect(check.end('j', true)).to.deep.equal({ asRecorded: true, report: '' });
  });

  it('names the first differing line with a diff of its first differing command, not the whole arrays', () => {
    const check = createReplayCheck();
    for (const line of [...journal(true), '', 'not json']) check.line(line);
    const { asRecorded, report } = check.end('j', true);
    expect(asRecorded).to.equal(false);
    expect(report).to.match(/^sdp-slurm-deployer replay: j line 4 differs: jobsPolled\n/);
    expect(report).to.match(/^- +"status": "RUNNING"/m);
    expect(report).to.match(/^\+ +"status": "PENDING"/m);
    expect(report).to.match(/\n2 line\(s\) of j did not replay as recorded\n$/);
  });

  it('keeps the reason when there is no diff to show (an unreadable line, an empty journal)', () => {
    const unreadable = createReplayCheck();
    unreadable.line('not json');
    expect(unreadable.end('j', false).report).to.match(/^sdp-slurm-deployer replay: j line 1 differs: unreadable line: .+\n1 line\(s\) of j did not replay as recorded\n$/);
    expect(createReplayCheck().end('j', false)).to.deep.equal({
      asRecorded: false,
      report: 'sdp-slurm-deployer replay: j line 1 differs: empty: not even a header\n1 line(s) of j did not replay as recorded\n',
    });
  });

  it('prints commands one JSON line each', () => {
    expect(commandLines([{ type: 'pollJobs', pollId: 1 } as never, { type: 'cancel', jobId: 2 } as never])).to.equal('{"type":"pollJobs","pollId":1}\n{"type":"cancel","jobId":2}\n');
  });
});
