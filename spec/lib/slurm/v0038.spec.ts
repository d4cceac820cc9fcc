// The v0.0.38 adapter against the bodies a real slurmrestd 22.05 sent and the v0.0.38 schema.

import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { expect } from 'chai';
import type { JobSpec } from '../../../lib/core/slurm-job.js';
import { SlurmRequestError } from '../../../lib/slurm/slurm-api.js';
import { renderSubmitV0038 } from '../../../lib/slurm/job-desc.js';
import { jobStateOfString } from '../../../lib/slurm/job-state-parsing.js';
import { errorsOfV0038, parseJobsV0038, parseSubmitV0038 } from '../../../lib/slurm/v0038.js';
import { fixtureFile } from '../../support/repo.js';
import { recordedBody, recordedText } from '../../support/slurm-samples.js';
import { slurmContract } from '../../support/slurm-contract.js';

/** A recorded answer, checked against the v0.0.38 OpenAPI document before it is used. */
function sample(name: string): unknown {
  return name === 'submit_request.json' ? JSON.parse(recordedText(name)) : recordedBody(name);
}

const fullSpec: JobSpec = {
  name: 'pb-test-20250101-0001-script',
  script: '#!/bin/bash\necho hi\n',
  environment: { SDP_CONFIG_HOST: '127.0.0.1', GREETING: 'hello' },
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

const minimalSpec: JobSpec = {
  name: 'd1',
  script: '#!/bin/bash\ntrue\n',
  environment: {},
  mcsLabel: 'label',
  comment: 'c',
};

describe('v0.0.38 adapter', () => {
  describe('renderSubmitV0038', () => {
    let openapi: { components: { schemas: Record<string, { properties?: Record<string, unknown> }> } };
    let validateSubmission: ValidateFunction;

    before(() => {
      openapi = JSON.parse(readFileSync(fixtureFile('openapi', 'v0.0.38.static.slurm-23.02.json'), 'utf8'));
      const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
      ajv.addSchema(openapi, 'slurm-v0.0.38');
      const validate = ajv.getSchema('slurm-v0.0.38#/components/schemas/v0.0.38_job_submission');
      if (validate === undefined) throw new Error('v0.0.38_job_submission not found in the OpenAPI document');
      validateSubmission = validate;
    });

    it('renders every field under the v0.0.38 key, nodes as the string "n" (22.05.8 ignores the documented [min, max]) and environment as an object', () => {
      expect(renderSubmitV0038(fullSpec)).to.deep.equal({
        script: '#!/bin/bash\necho hi\n',
        job: {
          name: 'pb-test-20250101-0001-script',
          environment: { SDP_CONFIG_HOST: '127.0.0.1', GREETING: 'hello' },
          mcs_label: 'sdp_slurm_deployer_rel_ns',
          comment: 'sdp-slurm-deployer:deployment=d1;submit=r3',
          partition: 'debug',
          time_limit: 10,
          nodes: '2',
          tasks: 4,
          cpus_per_task: 2,
          memory_per_node: 512,
          current_working_directory: '/srv/jobs',
          account: 'sdp',
          qos: 'normal',
          standard_output: '/srv/jobs/%x-%j.out',
          standard_error: '/srv/jobs/%x-%j.err',
        },
      });
    });

    it('leaves out what the spec does not set, but always sends environment (Slurm requires it)', () => {
      expect(renderSubmitV0038(minimalSpec)).to.deep.equal({
        script: '#!/bin/bash\ntrue\n',
        job: { name: 'd1', environment: {}, mcs_label: 'label', comment: 'c' },
      });
    });

    it('validates against the schema v0.0.38_job_submission, but for nodes: a string where the document says [min, max]', () => {
      for (const spec of [fullSpec, minimalSpec]) {
        const body = renderSubmitV0038(spec) as { script: string; job: Record<string, unknown> };
        const { nodes: _nodes, ...job } = body.job;
        const ok = validateSubmission({ ...body, job });
        expect(validateSubmission.errors ?? [], JSON.stringify(validateSubmission.errors)).to.deep.equal([]);
        expect(ok).to.equal(true);
        expect(slurmContract('v0.0.38').requestProblems('POST', '/slurm/v0.0.38/job/submit', body)).to.deep.equal([]);
      }
      // The raw document refuses the string: the contract's repair is what lets it through.
      expect(validateSubmission(renderSubmitV0038(fullSpec))).to.equal(false);
    });

    it('the validator is able to refuse: a number for nodes and a missing script fail', () => {
      expect(validateSubmission({ script: 'x', job: { environment: {}, nodes: 2 } })).to.equal(false);
      expect(validateSubmission({ job: { environment: {} } })).to.equal(false);
      // The request recorded against the real server passes.
      expect(validateSubmission(sample('submit_request.json'))).to.equal(true);
    });

    it('uses only keys of v0.0.38_job_properties (slurmrestd answers 400 to any other)', () => {
      const known = Object.keys(openapi.components.schemas['v0.0.38_job_properties']?.properties ?? {});
      expect(known).to.include('mcs_label');
      const body = renderSubmitV0038(fullSpec) as { job: Record<string, unknown> };
      expect(Object.keys(body)).to.have.members(['script', 'job']);
      for (const key of Object.keys(body.job)) expect(known, key).to.include(key);
    });
  });

  describe('parseJobsV0038', () => {
    it('reads a completed job with its label, times and exit code', () => {
      expect(parseJobsV0038(sample('job_get_completed.json'))).to.deep.equal([
        {
          jobId: 1,
          name: 'probe-ok',
          mcsLabel: 'tenant-a',
          comment: '',
          state: { base: 'COMPLETED', flags: [] },
          reason: 'None',
          exitCode: { status: 0, signal: 0 },
          submitTime: 1795500493,
          startTime: 1795500495,
          endTime: 1795500498,
        },
      ]);
    });

    it("leaves an array's split-off tasks out: the record under the submitted id is the array's", () => {
      const [real] = (sample('job_get_completed.json') as { jobs: Array<Record<string, unknown>> }).jobs;
      expect(real?.['array_job_id'], 'a plain job of 22.05').to.equal(0);
      // Array 50 of tasks 0-2 as 22.05 lists it: tasks 0 and 1 under ids of their own, task 2 kept 50.
      const task = (jobId: number, arrayTaskId: number) => ({ ...real, job_id: jobId, array_job_id: 50, array_task_id: arrayTaskId });
      expect(parseJobsV0038({ jobs: [real, task(51, 0), task(52, 1), task(50, 2)] }).map((j) => j.jobId)).to.deep.equal([1, 50]);
    });

    it('decodes the raw wait status of a failed job: 768 is exit 3', () => {
      const [job] = parseJobsV0038(sample('job_get_failed.json'));
      expect(job?.state).to.deep.equal({ base: 'FAILED', flags: [] });
      expect(job?.reason).to.equal('NonZeroExitCode');
      expect(job?.exitCode).to.deep.equal({ status: 3, signal: 0 });
    });

    it('reads cancelled and timed-out jobs as killed by signal 15', () => {
      const [cancelled] = parseJobsV0038(sample('job_get_cancelled.json'));
      expect(cancelled?.state).to.deep.equal({ base: 'CANCELLED', flags: [] });
      expect(cancelled?.exitCode).to.deep.equal({ status: 0, signal: 15 });
      const [timeout] = parseJobsV0038(sample('job_get_timeout.json'));
      expect(timeout?.state).to.deep.equal({ base: 'TIMEOUT', flags: [] });
      expect(timeout?.reason).to.equal('TimeLimit');
      expect(timeout?.exitCode).to.deep.equal({ status: 0, signal: 15 });
    });

    it('leaves out the times of a held job that Slurm reports as 0', () => {
      const [held] = parseJobsV0038(sample('job_get_pending_held.json'));
      expect(held).to.include({ jobId: 4, name: 'probe-held', reason: 'JobHeldUser' });
      expect(held?.state).to.deep.equal({ base: 'PENDING', flags: [] });
      expect(held?.submitTime).to.equal(1795500501);
      expect(held).not.to.have.property('startTime');
      expect(held).not.to.have.property('endTime');
    });

    it('reads every job of the recorded job list', () => {
      const jobs = parseJobsV0038(sample('jobs_list.json'));
      expect(jobs.map((j) => [j.jobId, j.name, j.state.base, j.reason, j.mcsLabel])).to.deep.equal([
        [1, 'probe-ok', 'COMPLETED', 'None', 'tenant-a'],
        [2, 'probe-fail', 'FAILED', 'NonZeroExitCode', ''],
        [3, 'probe-cancel', 'CANCELLED', 'None', ''],
        [4, 'probe-held', 'CANCELLED', 'JobHeldUser', ''],
      ]);
      expect(jobs.map((j) => j.exitCode?.status)).to.deep.equal([0, 3, 0, 0]);
    });

    it('reads a flag in job_state as a flag without a base state', () => {
      expect(jobStateOfString('COMPLETING')).to.deep.equal({ flags: ['COMPLETING'] });
      expect(jobStateOfString('CONFIGURING')).to.deep.equal({ flags: ['CONFIGURING'] });
      expect(jobStateOfString('RUNNING')).to.deep.equal({ base: 'RUNNING', flags: [] });
      const [job] = parseJobsV0038({ jobs: [{ job_id: 9, job_state: 'COMPLETING', name: 'n' }] });
      expect(job?.state).to.deep.equal({ flags: ['COMPLETING'] });
    });

    it('reads a missing or null mcs_label, comment and exit code as empty', () => {
      const [job] = parseJobsV0038({ jobs: [{ job_id: 7, job_state: 'RUNNING', name: 'x', mcs_label: null }] });
      expect(job).to.deep.equal({ jobId: 7, name: 'x', mcsLabel: '', comment: '', state: { base: 'RUNNING', flags: [] }, reason: '' });
    });

    it('refuses a body it cannot read as a transient failure naming the field, not its value', () => {
      const bad = { jobs: [{ job_id: 1, job_state: 'RUNNING' }, { job_id: 'secret-ish-value', job_state: 'RUNNING' }] };
      const error = catchError(() => parseJobsV0038(bad));
      expect(error).to.be.instanceOf(SlurmRequestError);
      expect(error.failure.kind).to.equal('transient');
      expect(error.message).to.contain('jobs.1.job_id');
      expect(error.message).not.to.contain('secret-ish-value');
    });

    it('refuses bodies that are not a job list at all', () => {
      for (const body of [undefined, null, 'Unable to parse query.', [], { jobs: 'none' }, { errors: [] }]) {
        const error = catchError(() => parseJobsV0038(body));
        expect(error.failure.kind, JSON.stringify(body)).to.equal('transient');
        expect(error.message).to.match(/^unreadable v0\.0\.38 jobs body: /);
      }
    });
  });

  describe('parseSubmitV0038', () => {
    it('reads the job id of the recorded submit answer', () => {
      expect(parseSubmitV0038(sample('submit_response.json'))).to.equal(1);
    });

    it('refuses an answer without an integer job id', () => {
      for (const body of [{ errors: [] }, { job_id: '12' }, { job_id: 1.5 }]) {
        const error = catchError(() => parseSubmitV0038(body));
        expect(error.failure).to.deep.equal({ kind: 'transient', message: 'unreadable v0.0.38 submit body: job_id: expected integer' });
      }
    });
  });

  describe('errorsOfV0038', () => {
    it('reads error_code, and entries without any number', () => {
      expect(errorsOfV0038(sample('err_bad_key.json'))).to.deep.equal([
        { description: 'Unknown key "no_such_field"', source: 'hsearch_r' },
        { code: 9001, error: 'Failure during parsing' },
      ]);
    });

    it('reads error_number with description and source', () => {
      expect(errorsOfV0038(sample('ctld_down_delete.json'))).to.deep.equal([
        {
          code: 1800,
          error: 'Unable to contact slurm controller (connect failure)',
          description: 'unable to kill JobId=226 with signal 9: Unable to contact slurm controller (connect failure)',
          source: 'slurm_kill_job',
        },
      ]);
      expect(errorsOfV0038(sample('err_unknown_job.json'))[0]?.code).to.equal(2017);
    });

    it('reads errno', () => {
      expect(errorsOfV0038({ errors: [{ errno: -1, error: 'Unspecified error', source: 'slurm_load_node' }] })).to.deep.equal([
        { code: -1, error: 'Unspecified error', source: 'slurm_load_node' },
      ]);
    });

    it('finds nothing in success bodies and in garbage, without throwing', () => {
      expect(errorsOfV0038(sample('submit_response.json'))).to.deep.equal([]);
      for (const body of [undefined, null, 'text', { errors: 'x' }, { errors: [null, 3, 'x'] }]) {
        expect(errorsOfV0038(body)).to.deep.equal([]);
      }
    });
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
