// Every version adapter: the bodies it renders validate against each of that version's OpenAPI
// documents, and the answers it reads (built for the version, and checked against the same
// documents before use) become the same normalized SlurmJob whatever the version.

import { expect } from 'chai';
import type { JobSpec, SlurmJob } from '../../../lib/core/slurm-job.js';
import { adapterFor } from '../../../lib/slurm/adapters.js';
import { SUPPORTED_API_VERSIONS } from '../../../lib/slurm/api-versions.js';
import { errorsOfBody } from '../../../lib/slurm/body-messages.js';
import { SlurmRequestError } from '../../../lib/slurm/slurm-api.js';
import {
  accountingAnswer,
  cancelAnswer,
  errorAnswer,
  jobsAnswer,
  killStatus,
  NEWER_VERSIONS,
  noChangeAnswer,
  submitAnswer,
  type FakeJob,
} from '../../../streams/testing/slurm-bodies.js';
import { OPENAPI_DOCUMENTS, slurmContract } from '../../support/slurm-contract.js';

const fullSpec: JobSpec = {
  name: 'pb-test-20250101-0001-script',
  script: '#!/bin/bash\necho hi\n',
  environment: { SDP_CONFIG_HOST: '127.0.0.1', GREETING: 'hello', EQUATION: 'a=b' },
  mcsLabel: 'sdp_slurm_deployer_rel_ns',
  comment: 'sdp-slurm-deployer:deployment=d1;submit=r3',
  partition: 'debug',
  timeLimitMinutes: 10,
  nodes: 2,
  tasks: 4,
  cpusPerTask: 2,
  memoryPerNodeMB: 512,
  currentWorkingDirectory: '/srv/jobs',
  account: 'sdp',
  qos: 'normal',
  standardOutput: '/srv/jobs/%x-%j.out',
  standardError: '/srv/jobs/%x-%j.err',
};

const minimalSpec: JobSpec = { name: 'd1', script: '#!/bin/bash\ntrue\n', environment: {}, mcsLabel: 'label', comment: 'c' };

const T0 = 1_800_000_000;
const completed: FakeJob = {
  jobId: 41,
  name: 'd1',
  mcsLabel: 'sdp_slurm_deployer_rel_ns',
  comment: 'sdp-slurm-deployer:deployment=d1;submit=r3',
  state: ['COMPLETED'],
  reason: 'None',
  exit: { status: 0, signal: 0 },
  submitTime: T0,
  startTime: T0 + 2,
  endTime: T0 + 5,
};

describe('version adapters', () => {
  describe('submit bodies', () => {
    for (const version of SUPPORTED_API_VERSIONS) {
      it(`${version}: the full and the minimal spec validate against every ${version} document`, () => {
        const adapter = adapterFor(version);
        for (const spec of [fullSpec, minimalSpec]) {
          slurmContract(version).checkRequest('POST', `/slurm/${version}${adapter.paths.submit}`, adapter.renderSubmit(spec));
        }
      });
    }

    it('v0.0.38: script at the top, environment an object, plain numbers, nodes as the string "n" 22.05.8 honours', () => {
      const body = adapterFor('v0.0.38').renderSubmit(fullSpec) as { script: string; job: Record<string, unknown> };
      expect(body.script).to.equal(fullSpec.script);
      expect(body.job).to.include({ time_limit: 10, memory_per_node: 512, tasks: 4 });
      expect(body.job['environment']).to.deep.equal(fullSpec.environment);
      expect(body.job['nodes']).to.equal('2');
      expect(body.job).not.to.have.property('script');
    });

    for (const version of NEWER_VERSIONS) {
      it(`${version}: script in the job, environment as K=V, {set, infinite, number}, minimum/maximum nodes`, () => {
        const body = adapterFor(version).renderSubmit(fullSpec) as Record<string, unknown> & { job: Record<string, unknown> };
        expect(Object.keys(body)).to.deep.equal(['job']);
        expect(body.job).to.deep.equal({
          name: 'pb-test-20250101-0001-script',
          script: '#!/bin/bash\necho hi\n',
          environment: ['SDP_CONFIG_HOST=127.0.0.1', 'GREETING=hello', 'EQUATION=a=b'],
          mcs_label: 'sdp_slurm_deployer_rel_ns',
          comment: 'sdp-slurm-deployer:deployment=d1;submit=r3',
          partition: 'debug',
          time_limit: { set: true, infinite: false, number: 10 },
          minimum_nodes: 2,
          maximum_nodes: 2,
          tasks: 4,
          cpus_per_task: 2,
          memory_per_node: { set: true, infinite: false, number: 512 },
          current_working_directory: '/srv/jobs',
          account: 'sdp',
          qos: 'normal',
          standard_output: '/srv/jobs/%x-%j.out',
          standard_error: '/srv/jobs/%x-%j.err',
        });
        expect((adapterFor(version).renderSubmit(minimalSpec) as { job: Record<string, unknown> }).job['environment']).to.deep.equal([]);
      });
    }
  });

  for (const version of NEWER_VERSIONS) {
    describe(`${version} answers`, () => {
      const adapter = adapterFor(version);
      // Built on first use, inside a test: without the documents each test fails, none is skipped.
      const contract = {
        checkResponse: <T>(method: string, path: string, status: number, body: T): T => slurmContract(version).checkResponse(method, path, status, body),
      };
      const jobsPath = `/slurm/${version}${adapter.paths.jobs}`;
      /** A body the version's documents accept, or the spec fails here, before using it. */
      const listed = (jobs: FakeJob[], lastUpdate = T0 + 10) => contract.checkResponse('GET', jobsPath, 200, jobsAnswer(version, jobs, lastUpdate));
      const one = (job: FakeJob): SlurmJob | undefined => adapter.parseJobs(contract.checkResponse('GET', `/slurm/${version}/job/${job.jobId}`, 200, jobsAnswer(version, [job], T0 + 10)))[0];

      it('reads a completed job into the normalized SlurmJob', () => {
        expect(one(completed)).to.deep.equal({
          jobId: 41,
          name: 'd1',
          mcsLabel: 'sdp_slurm_deployer_rel_ns',
          comment: 'sdp-slurm-deployer:deployment=d1;submit=r3',
          state: { base: 'COMPLETED', flags: [] },
          reason: 'None',
          exitCode: { status: 0, signal: 0 },
          submitTime: T0,
          startTime: T0 + 2,
          endTime: T0 + 5,
        });
      });

      it('splits the exit code into status and signal', () => {
        expect(one({ ...completed, state: ['FAILED'], reason: 'NonZeroExitCode', exit: { status: 3, signal: 0 } })?.exitCode).to.deep.equal({ status: 3, signal: 0 });
        expect(one({ ...completed, state: ['CANCELLED'], exit: { status: 0, signal: 15 } })?.exitCode).to.deep.equal({ status: 0, signal: 15 });
      });

      it('a pending job has no exit code, start or end', () => {
        const pending = one({ ...completed, state: ['PENDING'], reason: 'Priority', exit: undefined, startTime: undefined, endTime: undefined });
        expect(pending).to.deep.include({ state: { base: 'PENDING', flags: [] }, reason: 'Priority', submitTime: T0 });
        expect(pending).not.to.have.any.keys('exitCode', 'startTime', 'endTime');
      });

      it(version === 'v0.0.39' ? 'reads the one-string state: a flag wins over the base' : 'reads the state list as base plus flags', () => {
        const stopping = one({ ...completed, state: ['RUNNING', 'COMPLETING'], exit: undefined });
        const requeued = one({ ...completed, state: ['PENDING', 'REQUEUED'], exit: undefined });
        if (version === 'v0.0.39') {
          expect(stopping?.state).to.deep.equal({ flags: ['COMPLETING'] });
          expect(requeued?.state).to.deep.equal({ flags: ['REQUEUED'] });
        } else {
          expect(stopping?.state).to.deep.equal({ base: 'RUNNING', flags: ['COMPLETING'] });
          expect(requeued?.state).to.deep.equal({ base: 'PENDING', flags: ['REQUEUED'] });
        }
      });

      it('reads a full list, with the server time of it from v0.0.40', () => {
        const reading = adapter.readJobList(listed([completed, { ...completed, jobId: 42 }], T0 + 10));
        expect(reading.kind).to.equal('full');
        if (reading.kind !== 'full') return;
        expect(reading.jobs.map((j) => j.jobId)).to.deep.equal([41, 42]);
        expect(reading.lastUpdate).to.equal(version === 'v0.0.39' ? undefined : T0 + 10);
      });

      it("leaves an array's split-off tasks out of lists and lookups: the submitted id's record is the array's", () => {
        // Array 50 of tasks 0-2: tasks 0 and 1 started under ids of their own, task 2 kept 50.
        const tasks = [{ ...completed, jobId: 50, arrayJobId: 50 }, { ...completed, jobId: 51, arrayJobId: 50 }, { ...completed, jobId: 52, arrayJobId: 50 }];
        const reading = adapter.readJobList(listed([completed, ...tasks]));
        expect(reading.kind === 'full' ? reading.jobs.map((j) => j.jobId) : []).to.deep.equal([41, 50]);
        const lookup = contract.checkResponse('GET', `/slurm/${version}/job/50`, 200, jobsAnswer(version, tasks, T0 + 10));
        expect(adapter.parseJobs(lookup).map((j) => j.jobId)).to.deep.equal([50]);
      });

      it('reads "No job changes since update_time" as unchanged, never as an empty list', () => {
        const body = contract.checkResponse('GET', jobsPath, 200, noChangeAnswer(version, T0 + 10));
        expect(adapter.readJobList(body)).to.deep.equal({ kind: 'unchanged' });
      });

      it('reads the job id of a submit answer', () => {
        expect(adapter.parseSubmit(contract.checkResponse('POST', `/slurm/${version}/job/submit`, 200, submitAnswer(version, 1234)))).to.equal(1234);
      });

      it(killStatus(version) ? 'reads the error inside a 200 cancel answer (24.11+), but not "already done"' : 'finds no error in a 200 cancel answer', () => {
        const path = `/slurm/${version}/job/41`;
        expect(adapter.cancelErrors(contract.checkResponse('DELETE', path, 200, cancelAnswer(version, 41, 'signalled')))).to.deep.equal([]);
        expect(adapter.cancelErrors(contract.checkResponse('DELETE', path, 200, cancelAnswer(version, 41, 'already-done')))).to.deep.equal([]);
        const unknown = adapter.cancelErrors(contract.checkResponse('DELETE', path, 200, cancelAnswer(version, 41, 'unknown')));
        expect(unknown).to.deep.equal(
          killStatus(version) ? [{ code: 2017, error: 'Invalid job id specified', description: 'Unable to find JobId=41', source: 'status' }] : [],
        );
      });

      it('reads the Slurm error of an error answer (404 for an unknown job)', () => {
        const body = contract.checkResponse('GET', `/slurm/${version}/job/9`, 404, errorAnswer(version, 'getJob', [{ code: 2017, error: 'Invalid job id specified', source: '_handle_job_get' }]));
        expect(errorsOfBody(body)).to.deep.equal([{ code: 2017, error: 'Invalid job id specified', source: '_handle_job_get' }]);
      });

      // v0.0.45's only document is the one 26.05 served without slurmdbd: it has no /slurmdb paths.
      if (OPENAPI_DOCUMENTS[version].some((file) => !file.includes('served-by')))
      it('reads an accounting record (slurmdbd) into the same SlurmJob', () => {
        const path = `/slurmdb/${version}/job/41`;
        const body = contract.checkResponse('GET', path, 200, accountingAnswer(version, [{ ...completed, state: ['TIMEOUT'], reason: 'TimeLimit', exit: { status: 0, signal: 15 } }]));
        expect(adapter.parseAccountingJobs?.(body)).to.deep.equal([
          {
            jobId: 41,
            name: 'd1',
            mcsLabel: 'sdp_slurm_deployer_rel_ns',
            comment: 'sdp-slurm-deployer:deployment=d1;submit=r3',
            state: { base: 'TIMEOUT', flags: [] },
            reason: 'TimeLimit',
            exitCode: { status: 0, signal: 15 },
            submitTime: T0,
            startTime: T0 + 2,
            endTime: T0 + 5,
            source: 'accounting',
          },
        ]);
      });

      if (OPENAPI_DOCUMENTS[version].some((file) => !file.includes('served-by')))
      it('reads an accounting record without mcs label nor comment (no AccountingStoreFlags=job_comment) as empty ones', () => {
        const path = `/slurmdb/${version}/job/41`;
        const answer = accountingAnswer(version, [completed]) as { jobs: Record<string, unknown>[] };
        const bare = { ...answer, jobs: answer.jobs.map(({ mcs: _m, comment: _c, ...rest }) => rest) };
        const job = adapter.parseAccountingJobs?.(contract.checkResponse('GET', path, 200, bare))[0];
        expect(job).to.deep.include({ jobId: 41, mcsLabel: '', comment: '', state: { base: 'COMPLETED', flags: [] }, source: 'accounting' });
        const empty = { ...answer, jobs: answer.jobs.map((j) => ({ ...j, mcs: { label: '' }, comment: { job: '', administrator: '', system: '' } })) };
        expect(adapter.parseAccountingJobs?.(contract.checkResponse('GET', path, 200, empty))[0]).to.deep.include({ mcsLabel: '', comment: '' });
      });

      it('refuses an unreadable job as a transient failure naming the field, not its value', () => {
        const body = listed([completed]) as { jobs: Record<string, unknown>[] };
        const bad = { ...body, jobs: [{ ...body.jobs[0], job_id: 'secret-ish-value' }] };
        const error = catchError(() => adapter.readJobList(bad));
        expect(error.failure.kind).to.equal('transient');
        expect(error.message).to.contain(`unreadable ${version} jobs body: jobs.0.job_id`);
        expect(error.message).not.to.contain('secret-ish-value');
      });
    });
  }

  it('v0.0.44 reads a flag it has no mapping for (EXPEDITING) as a flag, so the job maps to UNSET, not to success', () => {
    const body = slurmContract('v0.0.44').checkResponse('GET', '/slurm/v0.0.44/jobs/', 200, jobsAnswer('v0.0.44', [{ ...completed, state: ['EXPEDITING'] }], T0));
    const reading = adapterFor('v0.0.44').readJobList(body);
    expect(reading.kind === 'full' ? reading.jobs[0]?.state : undefined).to.deep.equal({ flags: ['EXPEDITING'] });
  });
});

function catchError(fn: () => unknown): SlurmRequestError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SlurmRequestError) return error;
    throw error;
  }
  throw new Error('expected a SlurmRequestError, nothing was thrown');
}
