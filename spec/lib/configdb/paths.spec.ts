import { expect } from 'chai';
import {
  checkGlobalPrefix,
  deploymentKey,
  deploymentsKeyPrefix,
  isDeploymentId,
  keyOfPath,
  parseKey,
  parseRegistryKey,
  registryKey,
  registryKeyPrefix,
  stateKey,
  statesKeyPrefix,
} from '../../../lib/configdb/paths.js';

describe('Config DB paths (ska-sdp-config key layout)', () => {
  it('prefixes a path with its number of slashes', () => {
    expect(keyOfPath('/deploy/x')).to.equal('2/deploy/x');
    expect(keyOfPath('/deploy/x/state')).to.equal('3/deploy/x/state');
    expect(keyOfPath('/pb/pb-1/owner')).to.equal('3/pb/pb-1/owner');
    expect(() => keyOfPath('deploy/x')).to.throw('must start with /');
  });

  it('builds deployment and state keys, and the ranges that hold them', () => {
    expect(deploymentKey('proc-1')).to.equal('2/deploy/proc-1');
    expect(stateKey('proc-1')).to.equal('3/deploy/proc-1/state');
    expect(deploymentsKeyPrefix()).to.equal('2/deploy/');
    expect(statesKeyPrefix()).to.equal('3/deploy/');
  });

  it('puts a global prefix in the path before counting, as ska-sdp-config global_prefix does', () => {
    expect(deploymentKey('x', '/test')).to.equal('3/test/deploy/x');
    expect(stateKey('x', '/test')).to.equal('4/test/deploy/x/state');
    expect(deploymentsKeyPrefix('/a/b')).to.equal('4/a/b/deploy/');
    expect(statesKeyPrefix('/a/b')).to.equal('5/a/b/deploy/');
  });

  it('refuses an id that is not one path segment', () => {
    expect(() => deploymentKey('a/b')).to.throw('one non-empty path segment');
    expect(() => stateKey('')).to.throw('one non-empty path segment');
  });

  it('accepts only a global prefix ska-sdp-config could use', () => {
    expect(checkGlobalPrefix('')).to.equal('');
    expect(checkGlobalPrefix('/test-1/x_y.z')).to.equal('/test-1/x_y.z');
    for (const bad of ['test', '/test/', '//x', '/a b']) expect(() => checkGlobalPrefix(bad), bad).to.throw('Config DB prefix');
  });

  it('parses deployment and state keys back', () => {
    expect(parseKey('2/deploy/proc-1')).to.deep.equal({ deploymentId: 'proc-1', isState: false });
    expect(parseKey('3/deploy/proc-1/state')).to.deep.equal({ deploymentId: 'proc-1', isState: true });
    expect(parseKey('3/test/deploy/x', '/test')).to.deep.equal({ deploymentId: 'x', isState: false });
    expect(parseKey('4/test/deploy/x/state', '/test')).to.deep.equal({ deploymentId: 'x', isState: true });
  });

  it('parses an id that breaks the pattern, for the codec to reject', () => {
    expect(parseKey('2/deploy/bad_id!')).to.deep.equal({ deploymentId: 'bad_id!', isState: false });
  });

  const notOurs: Array<[string, string, string?]> = [
    ['another child of a deployment', '3/deploy/x/owner'],
    ['another entity', '2/pb/pb-1'],
    ['a depth that does not match the path', '2/deploy/x/state'],
    ['a depth that does not match, deeper', '3/deploy/x'],
    ['no id', '2/deploy/'],
    ['no depth', '/deploy/x'],
    ['a depth that is not a number', 'x/deploy/x'],
    ['a key without the global prefix', '2/deploy/x', '/test'],
    ['a key of another global prefix', '3/other/deploy/x', '/test'],
    ['a key with a global prefix we do not use', '3/test/deploy/x'],
  ];
  for (const [what, key, prefix] of notOurs) {
    it(`ignores ${what}: ${key}`, () => {
      expect(parseKey(key, prefix)).to.equal(undefined);
    });
  }

  it('keeps a job label\'s job registry one key per job beside its watermark, below the global prefix, and reads job ids back', () => {
    expect(registryKey('sdp_slurm_deployer_a_b', 4711)).to.equal('4/slurm-deployer/jobs/sdp_slurm_deployer_a_b/4711');
    expect(registryKey('l', 1, '/test')).to.equal('5/test/slurm-deployer/jobs/l/1');
    expect(registryKeyPrefix('l', '/test')).to.equal('5/test/slurm-deployer/jobs/l/');
    expect(parseRegistryKey('5/test/slurm-deployer/jobs/l/4711', 'l', '/test')).to.equal(4711);
    for (const key of ['5/test/slurm-deployer/jobs/l/0', '5/test/slurm-deployer/jobs/l/07', '5/test/slurm-deployer/jobs/l/x', '5/test/slurm-deployer/jobs/l/1/2', '5/test/slurm-deployer/jobs/l2/1', '4/slurm-deployer/jobs/l/1']) {
      expect(parseRegistryKey(key, 'l', '/test'), key).to.equal(undefined);
    }
    expect(() => registryKey('l', 0)).to.throw('positive integer');
    expect(() => registryKey('a/b', 1)).to.throw('one non-empty path segment');
  });

  it('checks deployment ids against ^[A-Za-z0-9\\-]{1,96}$', () => {
    expect(isDeploymentId('proc-pb-test-20240101-00000-x')).to.equal(true);
    expect(isDeploymentId('a'.repeat(96))).to.equal(true);
    expect(isDeploymentId('a'.repeat(97))).to.equal(false);
    expect(isDeploymentId('')).to.equal(false);
    expect(isDeploymentId('under_score')).to.equal(false);
    expect(isDeploymentId('dot.ted')).to.equal(false);
    expect(isDeploymentId('new\nline')).to.equal(false);
  });
});
