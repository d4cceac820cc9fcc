// What real slurmrestd 22.05, 24.11 and 26.05 answered (spec/fixtures/recorded/, `npm run
// record-fixtures`): every JSON body is checked against the OpenAPI document that same server
// served, the submit and bulk kill bodies each adapter renders must satisfy it too, and each
// adapter reads the recorded answers (jobs/state and DELETE /jobs too) as the deployer needs them.

import { expect } from 'chai';
import type { JobSpec } from '../../../lib/core/slurm-job.js';
import { adapterFor } from '../../../lib/slurm/adapters.js';
import { errorsOfBody } from '../../../lib/slurm/body-messages.js';
import { classifyAnswer, meansJobNotFound, type SlurmOperation } from '../../../lib/slurm/failure-classification.js';
import { servesOperation } from '../../../lib/slurm/served-paths.js';
import { RECORDED_RELEASES, recordedExchange, recordedExchanges, servedDocument, type RecordedRelease } from '../../../streams/testing/recordings.js';
import { ERROR_STATUS, unknownCancelIsSilent } from '../../support/real-slurm-expectations.js';
import { contractOf, openApiDocument } from '../../support/slurm-contract.js';

const spec: JobSpec = {
  name: 'd1',
  script: '#!/bin/bash\ntrue\n',
  environment: { PATH: '/usr/bin:/bin' },
  mcsLabel: 'sdp_slurm_deployer_rel_ns',
  comment: 'sdp-slurm-deployer:deployment=d1;submit=r1;spec=x',
  partition: 'debug',
  timeLimitMinutes: 7,
  nodes: 1,
  tasks: 2,
  cpusPerTask: 2,
  memoryPerNodeMB: 100,
  currentWorkingDirectory: '/stack/jobs',
  account: 'sdp',
  qos: 'normal',
  standardOutput: '/stack/jobs/%x-%j.out',
  standardError: '/stack/jobs/%x-%j.err',
};

const answerOf = (e: { status: number; contentType: string; body: unknown }) => ({
  status: e.status,
  contentType: e.contentType,
  text: typeof e.body === 'string' ? e.body : JSON.stringify(e.body),
  elapsedMs: 10,
});

describe('recorded real slurmrestd answers (spec/fixtures/recorded)', () => {
  for (const release of Object.keys(RECORDED_RELEASES) as RecordedRelease[]) {
    for (const version of RECORDED_RELEASES[release]) {
      describe(`Slurm ${release} ${version}`, () => {
        const contract = () => contractOf(version, [servedDocument(release)]);
        const adapter = adapterFor(version);
        const get = (name: string) => recordedExchange(release, version, name);

        it('every recorded JSON answer satisfies the document the same server served', () => {
          const exchanges = recordedExchanges(release, version);
          expect(exchanges).to.have.length.greaterThan(10);
          for (const e of exchanges) {
            if (!e.contentType.includes('json')) continue;
            const path = e.request.path.split('?')[0] ?? '';
            const problems = contract().responseProblems(e.request.method, path, e.status, e.body);
            // A parser error (24.11's 422 to an epoch update_time) is the bare {meta, errors,
            // warnings} of `openapi_resp`, not the operation's answer that the document names.
            const generic = e.status >= 400 ? contract().schemaProblems(servedDocument(release), `${version}_openapi_resp`, e.body) : problems;
            expect(problems.length === 0 || generic.length === 0, `${e.file} (HTTP ${e.status}): ${problems.join('; ')}`).to.equal(true);
          }
        });

        it('the submit body this adapter renders satisfies the served document; a misspelt key does not', () => {
          const path = `/slurm/${version}/job/submit`;
          const body = adapter.renderSubmit(spec) as { job: Record<string, unknown> };
          expect(contract().requestProblems('POST', path, body)).to.deep.equal([]);
          expect(contract().requestProblems('POST', path, { job: { ...body.job, minimum_nodez: 1 } })).not.to.deep.equal([]);
        });

        it('reads the submit answer and the job in each state it was recorded in', () => {
          expect(adapter.parseSubmit(get('01-submit').body)).to.be.a('number');
          const one = (name: string) => adapter.parseJobs(get(name).body)[0];
          expect(one('03-job-completed')).to.deep.include({ state: { base: 'COMPLETED', flags: [] }, exitCode: { status: 0, signal: 0 } });
          expect(one('04-job-failed-exit3')).to.deep.include({ state: { base: 'FAILED', flags: [] }, reason: 'NonZeroExitCode', exitCode: { status: 3, signal: 0 } });
          expect(one('05-job-running')?.state.base).to.equal('RUNNING');
          expect(one('09-job-cancelled')?.state.base).to.equal('CANCELLED');
          expect(one('03-job-completed')).to.deep.include({ mcsLabel: 'sdp_slurm_deployer_fixtures_test' });
        });

        it('reads the list, and the unchanged list as "unchanged" (never a 304 here), or knows not to ask', () => {
          const list = adapter.readJobList(get('06-jobs').body);
          expect(list.kind).to.equal('full');
          expect(list.kind === 'full' ? list.jobs.length : 0).to.equal(3);
          const unchanged = get('07-jobs-update_time-unchanged');
          if (version === 'v0.0.38') {
            expect([unchanged.status, unchanged.body]).to.deep.equal([304, '']); // handled before any adapter reads a body
          } else if (adapter.conditionalList) {
            expect(unchanged.status).to.equal(200);
            expect(adapter.readJobList(unchanged.body)).to.deep.equal({ kind: 'unchanged' });
          } else {
            // 24.11's v0.0.40/41: an epoch update_time is a 422, so the adapter never sends one.
            expect([unchanged.status, errorsOfBody(unchanged.body)[0]?.code]).to.deep.equal([422, 9202]);
          }
        });

        it('DELETE: a running or ended job is success; an unknown one is an error from v0.0.42 on', () => {
          expect(adapter.cancelErrors(get('08-job-delete-running').body)).to.deep.equal([]);
          expect(adapter.cancelErrors(get('10-job-delete-ended').body)).to.deep.equal([]);
          const unknown = get('11-job-delete-unknown');
          const errors = unknown.status === 200 ? adapter.cancelErrors(unknown.body) : errorsOfBody(unknown.body);
          expect(errors.map((e) => e.code)).to.deep.equal(unknownCancelIsSilent(version) ? [] : [2017]);
        });

        const states = adapter.states;
        const bulk = adapter.bulkCancel;
        it(`the served document lists GET /jobs/state and DELETE /jobs ${states === undefined ? 'nowhere: the adapter has neither' : 'as the adapter has them'}`, () => {
          const served = openApiDocument(servedDocument(release));
          expect(servesOperation(served, 'get', `/slurm/${version}/jobs/state`)).to.equal(states !== undefined);
          expect(servesOperation(served, 'delete', `/slurm/${version}/jobs`)).to.equal(bulk !== undefined);
        });

        if (states !== undefined && bulk !== undefined) {
          it('GET /jobs/state: reads the jobs asked for (the unknown id absent), skips array tasks in the full listing but counts them in the highest id', () => {
            const byIds = get('15-jobs-state-by-ids');
            const asked = [...new URL(byIds.request.path, 'http://x').searchParams.getAll('job_id')].map(Number);
            const read = states.read(byIds.body);
            expect(read.states.map((s) => s.jobId)).to.deep.equal(asked.slice(0, 2));
            expect(read.states.every((s) => s.state.base !== undefined)).to.equal(true);
            const all = get('17-jobs-state-all');
            const listed = (all.body as { jobs: { job_id: string }[] }).jobs.map((j) => j.job_id);
            expect(listed.filter((id) => id.includes('_'))).to.have.length(2); // the array's two tasks, as "<id>_<task>"
            const readAll = states.read(all.body);
            expect(readAll.states.map((s) => s.jobId)).to.deep.equal(listed.filter((id) => /^\d+$/.test(id)).map(Number));
            expect(readAll.highestJobId).to.equal(Math.max(...listed.map((id) => Number(/^\d+/.exec(id)![0]))));
          });

          it('GET /jobs/state refuses the documented comma form of job_id', () => {
            const comma = get('16-jobs-state-comma-refused');
            expect(comma.request.path).to.match(/job_id=\d+,\d+$/);
            expect(comma.status).to.be.within(400, 599);
          });

          it('DELETE /jobs: the body sent satisfies the served document; status[] names the unknown job (2017) and not the ended one (2021 is success)', () => {
            for (const name of ['18-jobs-delete-bulk', '19-jobs-delete-bulk-ended']) {
              const e = get(name);
              expect(contract().requestProblems('DELETE', e.request.path, e.request.body), name).to.deep.equal([]);
              expect(e.request.body).to.deep.equal(bulk.render((e.request.body as { jobs: string[] }).jobs.map(Number)));
            }
            const kill = get('18-jobs-delete-bulk');
            const unknown = Number((kill.request.body as { jobs: string[] }).jobs[1]);
            expect(bulk.failures(kill.body).map((f) => [f.jobId, f.error.code])).to.deep.equal([[unknown, 2017]]);
            const ended = get('19-jobs-delete-bulk-ended');
            expect((ended.body as { status: { error: { code: number } }[] }).status.map((s) => s.error.code)).to.deep.equal([2021]);
            expect(bulk.failures(ended.body)).to.deep.equal([]);
          });
        }

        it('classifies the error answers: unknown job is "not found", bad partition permanent, bad token auth', () => {
          const classify = (operation: SlurmOperation, name: string) => {
            const e = get(name);
            return [e.status, classifyAnswer(operation, answerOf(e), errorsOfBody(e.body)).kind];
          };
          expect(meansJobNotFound('getJob', errorsOfBody(get('12-job-get-unknown').body))).to.equal(true);
          expect(classify('submit', '13-submit-bad-partition')).to.deep.equal([ERROR_STATUS[release].badPartition, 'permanent']);
          expect(classify('listJobs', '14-jobs-bad-token')).to.deep.equal([ERROR_STATUS[release].badToken, 'auth']);
        });
      });
    }
  }
});
