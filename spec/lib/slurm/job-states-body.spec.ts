// The readers of `GET /jobs/state` and of the kill answers' status[] (v0.0.40+), on the shapes
// real 24.11 and 26.05 wrote (array tasks, unknown ids named only in step_id), and the bulk kill
// body checked against every v0.0.4x document.

import { expect } from 'chai';
import { readStatesBody } from '../../../lib/slurm/job-states-body.js';
import { bulkKillFailures, killFailures, renderKillJobs } from '../../../lib/slurm/kill-jobs-body.js';
import { SlurmRequestError } from '../../../lib/slurm/slurm-api.js';
import { bulkCancelAnswer, meta, NEWER_VERSIONS, servesStates, statesAnswer } from '../../../streams/testing/slurm-bodies.js';
import { slurmContract } from '../../support/slurm-contract.js';

const T = 1_800_000_000;
const job = (jobId: number, state: string[]) => ({ jobId, name: 'd', mcsLabel: 'l', comment: '', state, reason: 'None', submitTime: T });

describe('GET /jobs/state and DELETE /jobs bodies', () => {
  describe('readStatesBody', () => {
    it('reads ids and states of plain jobs, and the highest id listed', () => {
      const body = statesAnswer('v0.0.45', [job(7, ['RUNNING']), job(12, ['PENDING', 'REQUEUED']), job(9, ['COMPLETED'])]);
      expect(readStatesBody(body, 'v0.0.45')).to.deep.equal({
        states: [
          { jobId: 7, state: { base: 'RUNNING', flags: [] } },
          { jobId: 12, state: { base: 'PENDING', flags: ['REQUEUED'] } },
          { jobId: 9, state: { base: 'COMPLETED', flags: [] } },
        ],
        highestJobId: 12,
      });
    });

    it('skips array tasks, pending arrays and het components as states, but counts their leading id toward the highest', () => {
      const entries = ['20068_2', '20070_1', '30_[4-9]', '25+1', '5'].map((job_id) => ({ job_id, state: ['RUNNING'] }));
      const read = readStatesBody({ jobs: entries, errors: [], warnings: [] }, 'v0.0.45');
      expect(read.states.map((s) => s.jobId)).to.deep.equal([5]);
      expect(read.highestJobId).to.equal(20070);
    });

    it('an empty cluster lists nothing, highest 0; a number id is read too', () => {
      expect(readStatesBody({ jobs: [] }, 'v0.0.40')).to.deep.equal({ states: [], highestJobId: 0 });
      expect(readStatesBody({ jobs: [{ job_id: 3, state: ['FAILED'] }] }, 'v0.0.40').states).to.deep.equal([{ jobId: 3, state: { base: 'FAILED', flags: [] } }]);
    });

    it('a body that is not a states list is a transient failure naming the field, not an empty list', () => {
      for (const body of [{}, { jobs: [{ job_id: '1', job_state: ['RUNNING'] }] }, { jobs: 'none' }]) {
        expect(() => readStatesBody(body, 'v0.0.42')).to.throw(SlurmRequestError).with.property('failure').that.deep.include({ kind: 'transient' });
      }
    });
  });

  describe('kill answers', () => {
    it('names the unknown job from step_id (job_id unset) and leaves out "already done" and signalled jobs', () => {
      const body = bulkCancelAnswer('v0.0.42', [
        { jobId: 5, outcome: 'signalled' },
        { jobId: 920067, outcome: 'unknown' },
        { jobId: 6, outcome: 'already-done' },
      ]);
      expect(bulkKillFailures(body)).to.deep.equal([
        { jobId: 920067, error: { code: 2017, error: 'Invalid job id specified', description: 'Invalid job id specified', source: 'status' } },
      ]);
    });

    it('an error naming no job (a step id, or nothing) is kept without a job id', () => {
      const entry = (step_id: string) => ({ error: { string: 'Access/permission denied', code: 2002, message: 'x' }, step_id, job_id: { set: false, infinite: false, number: 0 } });
      const failures = killFailures({ status: [entry('12.batch'), entry('')] });
      expect(failures.map((f) => [f.jobId, f.error.code])).to.deep.equal([
        [undefined, 2002],
        [undefined, 2002],
      ]);
    });

    it('a bulk answer without status[] is unreadable (a single DELETE answer of v0.0.40/41 has none, and says nothing)', () => {
      expect(() => bulkKillFailures({ meta: meta('v0.0.41'), errors: [], warnings: [] })).to.throw('no status list');
      expect(killFailures({ meta: meta('v0.0.41'), errors: [], warnings: [] })).to.deep.equal([]);
    });

    it('the bulk body is SIGKILL to the whole job, ids as strings, and satisfies every v0.0.4x document; never without ids', () => {
      const body = renderKillJobs([12, 13]);
      expect(body).to.deep.equal({ jobs: ['12', '13'], signal: 'SIGKILL', flags: ['FULL_JOB'] });
      for (const version of NEWER_VERSIONS.filter(servesStates)) {
        expect(slurmContract(version).requestProblems('DELETE', `/slurm/${version}/jobs/`, body), version).to.deep.equal([]);
        expect(slurmContract(version).responseProblems('DELETE', `/slurm/${version}/jobs/`, 200, bulkCancelAnswer(version, [{ jobId: 9, outcome: 'unknown' }])), version).to.deep.equal([]);
        expect(slurmContract(version).responseProblems('GET', `/slurm/${version}/jobs/state/`, 200, statesAnswer(version, [job(9, ['RUNNING'])])), version).to.deep.equal([]);
      }
      expect(() => renderKillJobs([])).to.throw('at least one job id');
    });
  });
});
