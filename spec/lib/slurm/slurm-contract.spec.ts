// The contract checker itself: the documents are there, it refuses what they forbid, the
// recorded v0.0.38 answers pass it, and each of its repairs is needed (the raw document fails).

import { readdirSync } from 'node:fs';
import { expect } from 'chai';
import { adapterFor } from '../../../lib/slurm/adapters.js';
import { SUPPORTED_API_VERSIONS, type SlurmApiVersion } from '../../../lib/slurm/api-versions.js';
import { readServerOffer } from '../../../lib/slurm/negotiation.js';
import { fixtureFile } from '../../support/repo.js';
import { cancelAnswer, jobsAnswer, NEWER_VERSIONS, statesAnswer, type FakeJob } from '../../../streams/testing/slurm-bodies.js';
import { assertEveryDocumentPresent, OPENAPI_DOCUMENTS, openApiDocument, slurmContract } from '../../support/slurm-contract.js';
import { NOT_CHECKED_V0038, RECORDED_V0038, recordedText } from '../../support/slurm-samples.js';

function sample(file: string): unknown {
  return JSON.parse(recordedText(file));
}

const job: FakeJob = { jobId: 7, name: 'd1', mcsLabel: 'label', comment: 'c', state: ['RUNNING'], reason: 'None', submitTime: 1_800_000_000, startTime: 1_800_000_010 };

describe('Slurm OpenAPI contract', () => {
  it('has the documents of every supported version: without spec/fixtures/openapi this fails, never skips', () => {
    assertEveryDocumentPresent();
    expect(Object.keys(OPENAPI_DOCUMENTS)).to.have.members([...SUPPORTED_API_VERSIONS]);
  });

  for (const version of SUPPORTED_API_VERSIONS) {
    describe(version, () => {
      const contract = () => slurmContract(version);
      const adapter = adapterFor(version);
      const slurm = (p: string) => `/slurm/${version}${p}`;

      it("every document lists the adapter's submit, jobs and job/{id} paths", () => {
        for (const file of OPENAPI_DOCUMENTS[version]) {
          expect(readServerOffer(openApiDocument(file)).versions, file).to.include(version);
        }
        const paths: [string, string][] = [['POST', adapter.paths.submit], ['GET', adapter.paths.jobs], ['GET', adapter.paths.job(1)], ['DELETE', adapter.paths.job(1)]];
        for (const [method, path] of paths) {
          const problems = contract().responseProblems(method, slurm(path), 200, {});
          expect(problems.join('\n'), `${method} ${path}`).not.to.contain('no operation');
        }
      });

      it('refuses a submit body with an unknown key, a wrong type, or the wrong environment shape', () => {
        const good = adapter.renderSubmit({ name: 'n', script: '#!/bin/bash\n', environment: { A: '1' }, mcsLabel: 'l', comment: 'c' }) as { job: Record<string, unknown> };
        expect(contract().requestProblems('POST', slurm(adapter.paths.submit), good)).to.deep.equal([]);
        const withJob = (job: Record<string, unknown>) => ({ ...good, job: { ...good.job, ...job } });
        expect(contract().requestProblems('POST', slurm(adapter.paths.submit), withJob({ no_such_field: 1 })).join()).to.contain('no_such_field');
        expect(contract().requestProblems('POST', slurm(adapter.paths.submit), withJob({ name: 12 }))).not.to.deep.equal([]);
        const otherEnvironment = version === 'v0.0.38' ? ['A=1'] : { A: '1' };
        expect(contract().requestProblems('POST', slurm(adapter.paths.submit), withJob({ environment: otherEnvironment }))).not.to.deep.equal([]);
      });

      if (version !== 'v0.0.38') {
        const newer = version;
        it('refuses a job list with job_state of the wrong shape, a misspelt key, or (v0.0.40+) no last_update', () => {
          const good = jobsAnswer(newer, [job], 1_800_000_100) as { jobs: Record<string, unknown>[] } & Record<string, unknown>;
          const path = slurm(adapter.paths.jobs);
          expect(contract().responseProblems('GET', path, 200, good)).to.deep.equal([]);
          const wrongState = newer === 'v0.0.39' ? ['RUNNING'] : 'RUNNING';
          expect(contract().responseProblems('GET', path, 200, { ...good, jobs: [{ ...good.jobs[0], job_state: wrongState }] })).not.to.deep.equal([]);
          expect(contract().responseProblems('GET', path, 200, { ...good, jobs: [{ ...good.jobs[0], mcslabel: 'x' }] }).join()).to.contain('mcslabel');
          if (newer !== 'v0.0.39') {
            const { last_update: _dropped, ...withoutLastUpdate } = good;
            expect(contract().responseProblems('GET', path, 200, withoutLastUpdate).join()).to.contain('last_update');
          }
        });
      }
    });
  }

  describe('the recorded v0.0.38 answers (slurmrestd 22.05)', () => {
    it('the table covers every recorded body', () => {
      const files = readdirSync(fixtureFile('slurm-22.05'));
      expect([...RECORDED_V0038.map((s) => s.file), ...NOT_CHECKED_V0038]).to.have.members(files);
    });

    for (const { file, method, path, status } of RECORDED_V0038) {
      it(`${file} (${method} ${path.replace('/slurm/v0.0.38', '')}, HTTP ${status}) passes the repaired document, not the raw one`, () => {
        expect(slurmContract('v0.0.38').responseProblems(method, path, status, sample(file))).to.deep.equal([]);
        expect(slurmContract('v0.0.38', { v0038Responses: false }).responseProblems(method, path, status, sample(file))).not.to.deep.equal([]);
      });
    }

    it('the recorded submit request passes the request side', () => {
      expect(slurmContract('v0.0.38').requestProblems('POST', '/slurm/v0.0.38/job/submit', sample('submit_request.json'))).to.deep.equal([]);
    });

    it('the v0.0.38 repairs open nothing else: an unknown key and a string job_id still fail', () => {
      const body = sample('job_get_completed.json') as { jobs: Record<string, unknown>[] };
      const contract = slurmContract('v0.0.38');
      expect(contract.responseProblems('GET', '/slurm/v0.0.38/job/1', 200, { ...body, jobs: [{ ...body.jobs[0], no_such_field: 1 }] }).join()).to.contain('no_such_field');
      expect(contract.responseProblems('GET', '/slurm/v0.0.38/job/1', 200, { ...body, jobs: [{ ...body.jobs[0], job_id: '1' }] })).not.to.deep.equal([]);
    });
  });

  describe('repairs of the generated documents', () => {
    it("strict: a misspelt key passes the document as published, not the contract", () => {
      const body = { ...jobsAnswer('v0.0.42', [job], 1_800_000_100), lastUpdate: 1 };
      expect(slurmContract('v0.0.42', { strict: false }).responseProblems('GET', '/slurm/v0.0.42/jobs/', 200, body)).to.deep.equal([]);
      expect(slurmContract('v0.0.42').responseProblems('GET', '/slurm/v0.0.42/jobs/', 200, body).join()).to.contain('lastUpdate');
    });

    for (const version of ['v0.0.42', 'v0.0.43', 'v0.0.44'] as const) {
      it(`${version}: "required: [error/code, ...]" cannot be met by any body as published; repaired, it requires error.code`, () => {
        const body = cancelAnswer(version, 17, 'unknown') as { status: Record<string, unknown>[] };
        const path = `/slurm/${version}/job/17`;
        expect(slurmContract(version, { nestedRequired: false }).responseProblems('DELETE', path, 200, body).join()).to.contain("'error/string'");
        expect(slurmContract(version).responseProblems('DELETE', path, 200, body)).to.deep.equal([]);
        const entry = body.status[0] as { error: Record<string, unknown> };
        const withoutCode = { ...body, status: [{ ...entry, error: { string: 'x', message: 'y' } }] };
        expect(slurmContract(version).responseProblems('DELETE', path, 200, withoutCode).join()).to.contain("'code'");
      });
    }
  });

  describe('repairs for GET /jobs/state and DELETE /jobs', () => {
    for (const version of ['v0.0.40', 'v0.0.41', 'v0.0.42', 'v0.0.43', 'v0.0.44', 'v0.0.45'] as const) {
      it(`${version}: the states answer slurmrestd writes fails the document as published (job_info_resp), passes repaired; a job_state key still fails`, () => {
        const path = `/slurm/${version}/jobs/state/`;
        const body = statesAnswer(version, [job]);
        expect(slurmContract(version, { jobStatesAnswer: false }).responseProblems('GET', path, 200, body)).not.to.deep.equal([]);
        expect(slurmContract(version).responseProblems('GET', path, 200, body)).to.deep.equal([]);
        const misnamed = { ...body, jobs: [{ job_id: '7', job_state: ['RUNNING'] }] };
        expect(slurmContract(version).responseProblems('GET', path, 200, misnamed).join()).to.contain('job_state');
        expect(slurmContract(version).responseProblems('GET', path, 200, { ...body, jobs: [{ job_id: 7, state: ['RUNNING'] }] })).not.to.deep.equal([]);
      });
    }

    it('v0.0.40/41: 24.05.2 describes the bulk kill as query parameters; repaired, its JSON body passes and a misspelt key does not', () => {
      for (const version of ['v0.0.40', 'v0.0.41'] as const) {
        const path = `/slurm/${version}/jobs/`;
        const body = { jobs: ['12', '13'], signal: 'SIGKILL', flags: ['FULL_JOB'] };
        expect(slurmContract(version, { queryParametersBody: false }).requestProblems('DELETE', path, body).join()).to.contain('takes no JSON request body');
        expect(slurmContract(version).requestProblems('DELETE', path, body)).to.deep.equal([]);
        expect(slurmContract(version).requestProblems('DELETE', path, { ...body, sginal: 'KILL' }).join()).to.contain('sginal');
        expect(slurmContract(version).requestProblems('DELETE', path, { ...body, flags: ['NO_SUCH_FLAG'] })).not.to.deep.equal([]);
      }
    });
  });

  it('checks every newer version against each of its documents (v0.0.40 and v0.0.41 have two)', () => {
    const counts = Object.fromEntries(NEWER_VERSIONS.map((v: SlurmApiVersion) => [v, slurmContract(v).documents.length]));
    expect(counts).to.deep.equal({ 'v0.0.39': 1, 'v0.0.40': 2, 'v0.0.41': 2, 'v0.0.42': 1, 'v0.0.43': 1, 'v0.0.44': 1, 'v0.0.45': 1 });
    // A body v0.0.40's own document accepts but the 24.05.2 one does not would fail: both are asked.
    const body = jobsAnswer('v0.0.40', [job], 1_800_000_100);
    expect(slurmContract('v0.0.40').responseProblems('GET', '/slurm/v0.0.40/jobs/', 200, { ...body, extra: 1 })).to.have.length(2);
  });
});
