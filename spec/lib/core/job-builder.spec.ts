import { expect } from 'chai';
import { buildJobSpec, processingBlockOf, scriptOfCommand } from '../../../lib/core/job-builder.js';
import { parseJobIdentity } from '../../../lib/core/slurm-job.js';
import { LABEL, settings } from '../../support/fixtures.js';
import { execFileSync } from 'node:child_process';

describe('buildJobSpec', () => {
  const job = { ...settings.job, extraEnvironment: { SHARED: 'from-deployer', SDP_CONFIG_HOST: 'overridden-by-env' } };

  it('names the job after the deployment, labels it and records its identity', () => {
    const spec = buildJobSpec('proc-pb-test-20260101-00000-x', 'r7', { script: 'S' }, job);
    expect(spec.name).to.equal('proc-pb-test-20260101-00000-x');
    expect(spec.mcsLabel).to.equal(LABEL);
    expect(parseJobIdentity(spec.comment)).to.deep.equal({ deploymentId: 'proc-pb-test-20260101-00000-x', submitId: 'r7' });
    expect(spec.script).to.equal('S');
  });

  it('layers the environment: deployer defaults < SDP_SLURM_ENV_* < args.environment', () => {
    const spec = buildJobSpec('proc-pb-test-20260101-00000-x', 'r1', { script: 'S', environment: { SHARED: 'from-args' } }, job);
    expect(spec.environment).to.deep.equal({
      PATH: '/usr/bin:/bin',
      SDP_CONFIG_HOST: 'overridden-by-env',
      SDP_CONFIG_PORT: '2379',
      SDP_DEPLOYMENT_ID: 'proc-pb-test-20260101-00000-x',
      SDP_PB_ID: 'pb-test-20260101-00000',
      SHARED: 'from-args',
    });
  });

  it('applies job defaults unless args override them', () => {
    const defaults = buildJobSpec('d', 'r1', { script: 'S' }, job);
    expect(defaults).to.include({ partition: 'debug', currentWorkingDirectory: '/tmp' });
    expect(defaults).not.to.have.property('timeLimitMinutes');
    const own = buildJobSpec('d', 'r1', { script: 'S', partition: 'big', time_limit: 9, current_working_directory: '/w' }, job);
    expect(own).to.include({ partition: 'big', timeLimitMinutes: 9, currentWorkingDirectory: '/w' });
  });

  it('has no SDP_PB_ID for a deployment outside a processing block', () => {
    expect(processingBlockOf('plain-deployment')).to.equal(undefined);
    expect(buildJobSpec('plain-deployment', 'r1', { script: 'S' }, job).environment).not.to.have.property('SDP_PB_ID');
  });
});

describe('scriptOfCommand', () => {
  it('quotes every word so that the shell passes it through untouched', () => {
    const argv = ['printf', '%s|', "it's", '$HOME', '`id`', 'a b', '"q"'];
    const script = scriptOfCommand(argv);
    expect(script.startsWith('#!/bin/bash\n')).to.equal(true);
    const out = execFileSync('bash', ['-c', script]).toString();
    expect(out).to.equal("it's|$HOME|`id`|a b|\"q\"|");
  });
});
