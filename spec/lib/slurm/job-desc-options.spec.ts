// The job options as each REST version's submit body carries them: v0.0.38 in sbatch's text
// forms (what 22.05's slurmrestd took, measured), v0.0.39 on in data_parser's fields, each body
// checked against every OpenAPI document of its version; an option a version cannot carry fails
// the submit as permanent, naming the option and the version.

import { expect } from 'chai';
import type { JobOptions } from '../../../lib/core/job-options.js';
import type { JobSpec } from '../../../lib/core/slurm-job.js';
import { renderSubmitJobDesc, renderSubmitV0038 } from '../../../lib/slurm/job-desc.js';
import { SlurmRequestError } from '../../../lib/slurm/slurm-api.js';
import { NEWER_VERSIONS } from '../../../streams/testing/slurm-bodies.js';
import { slurmContract } from '../../support/slurm-contract.js';

const NOW = 1_900_000_000;

const every: JobOptions = {
  gres: 'gpu:a100:1,nic:1',
  gpus: 'a100:2',
  gpus_per_node: '2',
  gpus_per_task: '1',
  constraint: 'bigmem',
  exclusive: 'node',
  reservation: 'maint',
  ntasks_per_node: 2,
  mem_per_cpu: 100,
  mem_per_gpu: 2048,
  cpus_per_gpu: 4,
  begin: { after: 600 },
  deadline: { at: NOW + 3600 },
  signal: { signal: 'USR1', seconds: 90, target: 'reservation' },
  requeue: false,
  nice: 5,
  priority: 100,
  licenses: 'sdplic:2',
  mail_type: ['BEGIN', 'END', 'INVALID_DEPEND', 'TIME_LIMIT_80'],
  mail_user: 'ops@example.org',
  hold: true,
  array: '0-3%2',
  distribution: 'cyclic:block',
  threads_per_core: 1,
  wckey: 'sdp',
  open_mode: 'truncate',
  kill_on_invalid_dependency: false,
  dependency: 'afterok:41:42,afterany:7',
};

const base: JobSpec = { name: 'd1', script: '#!/bin/bash\ntrue\n', environment: {}, mcsLabel: 'label', comment: 'c' };
const withOptions = (options: JobOptions): JobSpec => ({ ...base, options });
const jobOf = (body: object) => (body as { job: Record<string, unknown> }).job;
const { distribution: _d, ...everyButDistribution } = every;

describe('job options in submit bodies', () => {
  it('v0.0.38: sbatch text forms; times as "now+N"; requeue false as no_requeue, which 22.05 honours', () => {
    const job = jobOf(renderSubmitV0038(withOptions(every), NOW));
    expect(job).to.deep.include({
      gres: 'gpu:a100:1,nic:1',
      gpus: 'a100:2',
      gpus_per_node: '2',
      gpus_per_task: '1',
      constraints: 'bigmem',
      exclusive: 'exclusive',
      dependency: 'afterok:41:42,afterany:7',
      reservation: 'maint',
      tasks_per_node: 2,
      memory_per_cpu: 100,
      memory_per_gpu: 2048,
      cpus_per_gpu: 4,
      begin_time: 'now+600',
      deadline: 'now+3600',
      signal: 'R:USR1@90',
      no_requeue: true,
      nice: 5,
      priority: 100,
      licenses: 'sdplic:2',
      mail_type: 'BEGIN,END,INVALID_DEPEND,TIME_LIMIT_80',
      mail_user: 'ops@example.org',
      hold: true,
      array: '0-3%2',
      distribution: 'cyclic:block',
      threads_per_core: 1,
      wckey: 'sdp',
      open_mode: 'truncate',
      kill_on_invalid_dependency: false,
    });
    expect(job).not.to.have.property('requeue');
    expect(jobOf(renderSubmitV0038(withOptions({ requeue: true, exclusive: 'mcs' }), NOW))).to.include({ requeue: true, exclusive: 'mcs' });
    // A time already past starts now, as in sbatch.
    expect(jobOf(renderSubmitV0038(withOptions({ begin: { at: NOW - 50 } }), NOW))['begin_time']).to.equal('now+0');
  });

  it('v0.0.38: the body keeps to the document but where 22.05 reads it otherwise (text times, no_requeue, numbers)', () => {
    const body = renderSubmitV0038(withOptions(every), NOW) as { script: string; job: Record<string, unknown> };
    // The static document says integer for begin_time and text for cpus_per_gpu and priority;
    // 22.05 refused an integer begin_time ("Unable to parse time") and took "now+600". Its
    // exclusive enum says "true", which 22.05 refused ("Invalid exclusive specification") while
    // it took sbatch's "exclusive"; its signal pattern is the literal "(B:|)sig_num(@sig_time|)".
    const { begin_time: _b, cpus_per_gpu: _c, priority: _p, no_requeue: _n, exclusive: _e, signal: _s, ...documented } = body.job;
    expect(slurmContract('v0.0.38').requestProblems('POST', '/slurm/v0.0.38/job/submit', body)).to.have.length.above(0);
    expect(slurmContract('v0.0.38').requestProblems('POST', '/slurm/v0.0.38/job/submit', { ...body, job: documented })).to.deep.equal([]);
  });

  it('v0.0.38: a signal to the batch shell only (B:) is not expressible: a permanent failure naming both', () => {
    const render = () => renderSubmitV0038(withOptions({ signal: { signal: 'USR1', seconds: 60, target: 'batch' } }), NOW);
    expect(render).to.throw(SlurmRequestError, /^args\.signal: not expressible in REST API v0\.0\.38 \(/);
    try {
      render();
    } catch (error) {
      expect((error as SlurmRequestError).failure.kind).to.equal('permanent');
    }
  });

  for (const version of NEWER_VERSIONS) {
    it(`${version}: data_parser fields, valid against every ${version} document`, () => {
      const options = version === 'v0.0.40' ? everyButDistribution : every;
      const body = renderSubmitJobDesc(withOptions(options), version, NOW);
      slurmContract(version).checkRequest('POST', `/slurm/${version}/job/submit`, body);
      const job = jobOf(body);
      const set = (number: number) => ({ set: true, infinite: false, number });
      expect(job).to.deep.include({
        tres_per_job: 'gres/gpu:a100:2',
        tres_per_node: 'gres/gpu:a100:1,gres/nic:1,gres/gpu:2',
        tres_per_task: 'gres/gpu:1',
        cpus_per_tres: 'gres/gpu:4',
        memory_per_tres: 'gres/gpu:2048',
        constraints: 'bigmem',
        shared: ['none'],
        reservation: 'maint',
        tasks_per_node: 2,
        memory_per_cpu: set(100),
        begin_time: version === 'v0.0.39' ? NOW + 600 : set(NOW + 600),
        deadline: NOW + 3600,
        kill_warning_signal: 'USR1',
        kill_warning_delay: set(90),
        kill_warning_flags: ['RESERVATION_JOB'],
        requeue: false,
        nice: 5,
        priority: set(100),
        licenses: 'sdplic:2',
        mail_type: ['BEGIN', 'END', 'INVALID_DEPENDENCY', 'TIME=80%'],
        mail_user: 'ops@example.org',
        hold: true,
        array: '0-3%2',
        threads_per_core: 1,
        wckey: 'sdp',
        open_mode: ['TRUNCATE'],
        flags: ['NO_KILL_INVALID_DEPENDENCY'],
        dependency: 'afterok:41:42,afterany:7',
      });
      if (version !== 'v0.0.40') expect(job['distribution']).to.equal('cyclic:block');
    });
  }

  it('v0.0.40: distribution is not expressible (24.11 warns its parser drops it): a permanent failure naming both', () => {
    expect(() => renderSubmitJobDesc(withOptions({ distribution: 'cyclic' }), 'v0.0.40', NOW)).to.throw(SlurmRequestError, /^args\.distribution: not expressible in REST API v0\.0\.40 /);
    expect(() => renderSubmitJobDesc(withOptions({ distribution: 'cyclic' }), 'v0.0.41', NOW)).not.to.throw();
  });

  it('sharing modes, signal targets and mail NONE map one to one', () => {
    const job = (o: JobOptions) => jobOf(renderSubmitJobDesc(withOptions(o), 'v0.0.42', NOW));
    expect(job({ exclusive: 'user' })['shared']).to.deep.equal(['user']);
    expect(job({ exclusive: 'mcs' })['shared']).to.deep.equal(['mcs']);
    expect(job({ signal: { signal: '10', seconds: 60, target: 'batch' } })).to.deep.include({ kill_warning_signal: '10', kill_warning_flags: ['BATCH_JOB'] });
    expect(job({ signal: { signal: 'TERM', seconds: 60 } })).not.to.have.property('kill_warning_flags');
    expect(job({ mail_type: [] })).not.to.have.property('mail_type');
    expect(job({ begin: { at: NOW + 5 } })['begin_time']).to.deep.equal({ set: true, infinite: false, number: NOW + 5 });
  });

  it('a spec without options renders as before: no option field appears', () => {
    expect(Object.keys(jobOf(renderSubmitJobDesc(base, 'v0.0.45', NOW)))).to.have.members(['name', 'script', 'environment', 'mcs_label', 'comment']);
    expect(Object.keys(jobOf(renderSubmitV0038(base, NOW)))).to.have.members(['name', 'environment', 'mcs_label', 'comment']);
  });
});

describe('an inexpressible option through the REST client', () => {
  it('rejects the submit as permanent before any request: a server that is not there is never asked', async () => {
    const { createSlurmRestClient } = await import('../../../lib/slurm/rest-client.js');
    const { staticJwtProvider } = await import('../../../lib/auth/static-jwt.js');
    const { Secret } = await import('../../../lib/base/secret.js');
    // Port 9 (discard) on loopback: a request would fail as a connection error, not as permanent.
    const api = createSlurmRestClient({ baseUrl: 'http://127.0.0.1:9', version: 'v0.0.38', credentials: staticJwtProvider('u', new Secret('t')) });
    try {
      const error = await api.submit(withOptions({ signal: { signal: 'USR1', seconds: 60, target: 'batch' } })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(SlurmRequestError);
      expect((error as SlurmRequestError).failure).to.deep.include({ kind: 'permanent' });
      expect((error as SlurmRequestError).message).to.match(/^args\.signal: not expressible in REST API v0\.0\.38/);
      // The same client does send a body it can render: that one fails on the connection.
      const sent = await api.submit(base).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((sent as SlurmRequestError).failure.kind).not.to.equal('permanent');
    } finally {
      await api.close();
    }
  });
});
