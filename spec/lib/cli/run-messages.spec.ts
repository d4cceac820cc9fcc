// What the deployer says about its configuration: exit-2 messages, the variable to blame for
// Slurm, and the start line's fields (none secret).

import { expect } from 'chai';
import { readConfig, type DeployerConfig } from '../../../lib/config/deployer-config.js';
import { badConfiguration, metricsPortProblem, slurmConnectVariable, startFields } from '../../../lib/cli/run-messages.js';
import { MINIMAL_ENV } from '../../support/fixtures.js';

const minimal = MINIMAL_ENV;

function configOf(env: Record<string, string>): DeployerConfig {
  const result = readConfig({ ...minimal, ...env });
  if (!result.ok) throw new Error('the spec configuration is valid');
  return result.config;
}

describe('run messages', () => {
  it('says a bad configuration on its own line before the variables', () => {
    expect(badConfiguration('A: b\nC: d')).to.equal('sdp-slurm-deployer: bad configuration\nA: b\nC: d\n');
  });

  it('says why a metrics port cannot be served', () => {
    const inUse = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    expect(metricsPortProblem(inUse, '0.0.0.0', 9100)).to.equal('SDP_SLURMDEPLOY_METRICS_PORT: 0.0.0.0:9100 is in use by another process; choose another port (or SDP_SLURMDEPLOY_METRICS_HOST)');
    expect(metricsPortProblem(Object.assign(new Error('x'), { code: 'EACCES' }), 'h', 80)).to.contain('h:80 may not be used by this user;');
    expect(metricsPortProblem(new Error('odd'), 'h', 1)).to.contain('h:1 cannot be served (Error: odd);');
  });

  it('blames the forced API version when there is one, else the URL', () => {
    expect(slurmConnectVariable(configOf({}))).to.equal('SDP_SLURMDEPLOY_SLURM_URL');
    expect(slurmConnectVariable(configOf({ SDP_SLURMDEPLOY_API_VERSION: 'v0.0.40' }))).to.equal('SDP_SLURMDEPLOY_API_VERSION');
  });

  it('starts with where it connects, leaving out what is not configured, and no secret', () => {
    const plain = startFields(configOf({}), 'v0.0.41', 'r1');
    expect(plain).to.include({ slurm: 'http://127.0.0.1:16820', api: 'v0.0.41', configDb: 'etcd3:127.0.0.1:2379', label: 'sdp_slurm_deployer_sdp_dp', replica: 'r1', auth: 'jwt' });
    expect(plain).to.not.have.any.keys('metrics', 'journal');
    expect(JSON.stringify(plain)).to.not.contain('secret-jwt');
    const full = startFields(configOf({ SDP_SLURMDEPLOY_METRICS_PORT: '9100', SDP_SLURMDEPLOY_JOURNAL: '/tmp/j', SDP_CONFIG_ENDPOINTS: 'http://a:1,http://b:2' }), 'v0.0.41', 'r1');
    expect(full).to.include({ metrics: '0.0.0.0:9100', journal: '/tmp/j', configDb: 'etcd3:http://a:1,http://b:2' });
  });
});
