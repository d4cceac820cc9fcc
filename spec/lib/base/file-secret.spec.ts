// Secrets given as files: what a file's content becomes, what an unreadable or empty one says (the
// variable and the path, never the content), and the settings problems of a variable given twice.

import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { readConfig, type Environment } from '../../../lib/config/deployer-config.js';
import { FileSecret } from '../../../lib/base/file-secret.js';
import { SettingError } from '../../../lib/base/setting-error.js';
import { MINIMAL_ENV } from '../../support/fixtures.js';

const VARIABLE = 'SDP_CONFIG_PASSWORD_FILE';

describe('FileSecret', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'secret-file-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads the value without the blank space around it (the newline a Kubernetes Secret file may end with)', async () => {
    const cases: [string, string][] = [
      ['pass-1\n', 'pass-1'],
      ['pass-2\r\n', 'pass-2'],
      ['pass-3', 'pass-3'],
      ['  pass 4 inside\n\n', 'pass 4 inside'],
    ];
    for (const [i, [content, value]] of cases.entries()) {
      await writeFile(file(`s${i}`), content);
      const secret = new FileSecret(VARIABLE, file(`s${i}`));
      expect(secret.reveal(), 'before the first read').to.equal('');
      expect(secret.read().reveal()).to.equal(value);
      expect(secret.reveal(), 'the value last read').to.equal(value);
    }
  });

  it('prints as [redacted] wherever it goes', async () => {
    await writeFile(file('printed'), 'printed-value-77\n');
    const secret = new FileSecret(VARIABLE, file('printed'));
    secret.read();
    for (const text of [String(secret), `${secret}`, JSON.stringify({ secret }), inspect({ secret }), inspect(secret, { showHidden: true, depth: 5 })]) {
      expect(text).not.to.contain('printed-value-77');
      expect(text).to.contain('[redacted]');
    }
  });

  it('an unreadable or empty file: a SettingError naming the variable and the path, never the content', async () => {
    await writeFile(file('blank'), ' \n\t\n');
    await mkdir(file('folder'));
    const cases: [string, string][] = [
      [file('missing'), `cannot read ${file('missing')} (ENOENT)`],
      [file('folder'), `cannot read ${file('folder')} (EISDIR)`],
      [file('blank'), `${file('blank')} is empty`],
    ];
    for (const [where, problem] of cases) {
      const secret = new FileSecret(VARIABLE, where);
      let thrown: unknown;
      try {
        secret.read();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).to.be.instanceOf(SettingError);
      expect(thrown).to.include({ variable: VARIABLE, problem, message: `${VARIABLE}: ${problem}` });
      expect(secret.problem).to.equal(`${VARIABLE}: ${problem}`);
    }
  });

  it('reread(): the file again, or, when it cannot be read, the value last read and why not', async () => {
    await writeFile(file('rotating'), 'first\n');
    const secret = new FileSecret(VARIABLE, file('rotating'));
    expect(secret.reread()).to.equal('first');
    await writeFile(file('rotating'), 'second\n');
    expect(secret.reread()).to.equal('second');
    await rm(file('rotating'));
    expect(secret.reread()).to.equal('second');
    expect(secret.problem).to.equal(`${VARIABLE}: cannot read ${file('rotating')} (ENOENT)`);
    await writeFile(file('rotating'), '\n');
    expect(secret.reread()).to.equal('second');
    expect(secret.problem).to.equal(`${VARIABLE}: ${file('rotating')} is empty`);
    await writeFile(file('rotating'), 'third');
    expect(secret.reread()).to.equal('third');
    expect(secret.problem).to.equal(undefined);
  });

  it('readOnce(): the start-up check reads a file only the first time', async () => {
    await writeFile(file('once'), 'once-1');
    const secret = new FileSecret(VARIABLE, file('once'));
    secret.readOnce();
    await writeFile(file('once'), 'once-2');
    secret.readOnce();
    expect(secret.reveal()).to.equal('once-1');
    expect(() => new FileSecret(VARIABLE, file('nothing')).readOnce()).to.throw(SettingError, `${VARIABLE}: cannot read ${file('nothing')} (ENOENT)`);
  });
});

describe('readConfig: SDP_SLURMDEPLOY_CLIENT_SECRET_FILE and SDP_CONFIG_PASSWORD_FILE', () => {
  const { SDP_SLURMDEPLOY_SLURM_JWT: _jwt, ...noJwt } = MINIMAL_ENV;
  const entra: Environment = { ...noJwt, SDP_SLURMDEPLOY_AZURE_URL: 'https://login.example/tenant' };
  const problemsOf = (env: Environment) => {
    const result = readConfig(env);
    return result.ok ? [] : result.problems;
  };

  it('a password file: a FileSecret of that variable and path, not read while the settings are read', () => {
    const result = readConfig({ ...MINIMAL_ENV, SDP_CONFIG_USERNAME: 'sdp', SDP_CONFIG_PASSWORD_FILE: ' /nonexistent/etcd-password \n' });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const password = result.config.configDb.password;
    expect(password).to.be.instanceOf(FileSecret);
    expect(password).to.include({ variable: 'SDP_CONFIG_PASSWORD_FILE', path: '/nonexistent/etcd-password' });
    expect((password as FileSecret).hasValue).to.equal(false);
  });

  it('a client secret file selects the Entra method with the URL, as the secret does', () => {
    const result = readConfig({ ...entra, SDP_SLURMDEPLOY_CLIENT_SECRET_FILE: '/run/secrets/client-secret' });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const auth = result.config.auth;
    expect(auth.method).to.equal('entra');
    expect(auth.method === 'entra' && auth.clientSecret).to.be.instanceOf(FileSecret).and.to.include({ variable: 'SDP_SLURMDEPLOY_CLIENT_SECRET_FILE', path: '/run/secrets/client-secret' });
  });

  it('a variable and its file both set: a problem on the file variable, the value never repeated', () => {
    const password = problemsOf({ ...MINIMAL_ENV, SDP_CONFIG_PASSWORD: 'etcd-pass-123', SDP_CONFIG_PASSWORD_FILE: '/run/secrets/p' });
    expect(password).to.deep.equal([{ variable: 'SDP_CONFIG_PASSWORD_FILE', problem: 'set either SDP_CONFIG_PASSWORD or SDP_CONFIG_PASSWORD_FILE, not both' }]);
    const secret = problemsOf({ ...entra, SDP_SLURMDEPLOY_CLIENT_SECRET: 's3cr3t-value', SDP_SLURMDEPLOY_CLIENT_SECRET_FILE: '/run/secrets/c' });
    expect(secret).to.deep.equal([
      { variable: 'SDP_SLURMDEPLOY_CLIENT_SECRET_FILE', problem: 'set either SDP_SLURMDEPLOY_CLIENT_SECRET or SDP_SLURMDEPLOY_CLIENT_SECRET_FILE, not both' },
    ]);
    expect(JSON.stringify([password, secret])).not.to.contain('etcd-pass-123').and.not.to.contain('s3cr3t-value');
  });

  it('an incomplete Entra method names the file variable where it is the one given, and offers it where none is', () => {
    expect(problemsOf({ ...noJwt, SDP_SLURMDEPLOY_CLIENT_SECRET_FILE: '/run/secrets/c' })).to.deep.equal([
      {
        variable: 'SDP_SLURMDEPLOY_AZURE_URL',
        problem: 'required by the Entra method, which SDP_SLURMDEPLOY_CLIENT_SECRET_FILE selects; or set SDP_SLURMDEPLOY_SLURM_JWT (or SDP_SLURMDEPLOY_SLURM_JWT_FILE) for the JWT method',
      },
    ]);
    expect(problemsOf(entra)[0]?.problem).to.contain('(or its file: SDP_SLURMDEPLOY_CLIENT_SECRET_FILE)');
    expect(problemsOf(noJwt)[0]?.problem).to.contain('SDP_SLURMDEPLOY_AZURE_URL and SDP_SLURMDEPLOY_CLIENT_SECRET (or SDP_SLURMDEPLOY_CLIENT_SECRET_FILE) for the Entra method');
  });

  it('the JWT method ignores the Entra variables, files included', () => {
    const result = readConfig({ ...MINIMAL_ENV, SDP_SLURMDEPLOY_CLIENT_SECRET_FILE: '/run/secrets/c' });
    expect(result.ok && result.config.auth.method).to.equal('jwt');
  });
});
