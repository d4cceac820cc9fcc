import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { issuedToken, jwtExpiry, jwtFileSource, jwtTimes, staticJwtProvider, staticJwtSource } from '../../../lib/auth/static-jwt.js';
import { TokenSourceError } from '../../../lib/auth/token-provider.js';
import { Secret } from '../../../lib/base/secret.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (payload: unknown) => new Secret(`${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}.c2lnbmF0dXJl`);

describe('staticJwtProvider', () => {
  it('gives the same user and token every time, the token redacted when printed', async () => {
    const token = jwt({ sun: 'slurmjob' });
    const provider = staticJwtProvider('slurmjob', token);
    const first = await provider.credentials();
    expect(first.userName).to.equal('slurmjob');
    expect(first.token.reveal()).to.equal(token.reveal());
    expect(await provider.credentials()).to.equal(first);
    expect(JSON.stringify(first)).not.to.contain(token.reveal().split('.')[1]);
  });
});

describe('jwtExpiry', () => {
  it('reads exp from the payload', () => {
    expect(jwtExpiry(jwt({ exp: 1_900_000_000, sun: 'x' }))).to.equal(1_900_000_000);
  });

  it('is undefined without exp, with a non-numeric exp, or for something that is no JWT', () => {
    expect(jwtExpiry(jwt({ sun: 'x' }))).to.equal(undefined);
    expect(jwtExpiry(jwt({ exp: 'tomorrow' }))).to.equal(undefined);
    expect(jwtExpiry(new Secret('not-a-jwt'))).to.equal(undefined);
    expect(jwtExpiry(new Secret('a.%%%.c'))).to.equal(undefined);
  });
});

describe('staticJwtSource and jwtFileSource', () => {
  const token = (iat: number, exp: number) => jwt({ iat, exp, sun: 'slurmjob' });

  it('a static token carries the lifetime its claims state, in milliseconds', async () => {
    const t = token(1_900_000_000, 1_900_000_100);
    const source = staticJwtSource('slurmjob', t);
    expect(source).to.include({ method: 'jwt', userName: 'slurmjob' });
    const issued = await source.obtain();
    expect(issued).to.deep.equal({ token: t, issuedAt: 1_900_000_000_000, expiresAt: 1_900_000_100_000 });
    expect(await source.obtain()).to.equal(issued);
    expect(issuedToken(new Secret('opaque'))).to.deep.equal({ token: new Secret('opaque') });
  });

  it('reads the file at every call, with or without SLURM_JWT=, ignoring blank space', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'jwt-file-'));
    const file = path.join(dir, 'token');
    try {
      const first = token(1_900_000_000, 1_900_000_100);
      const second = token(1_900_000_050, 1_900_000_150);
      await writeFile(file, `SLURM_JWT=${first.reveal()}\n`);
      const source = jwtFileSource('slurmjob', file);
      expect((await source.obtain()).token.reveal()).to.equal(first.reveal());
      await writeFile(file, `\n  ${second.reveal()}  \n`);
      const again = await source.obtain();
      expect(again.token.reveal()).to.equal(second.reveal());
      expect(again.expiresAt).to.equal(1_900_000_150_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a missing, empty or ambiguous file is a TokenSourceError of kind auth naming the file, never its content', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'jwt-file-'));
    const file = path.join(dir, 'token');
    try {
      const failureOf = async () => {
        const error = await jwtFileSource('slurmjob', file).obtain().then(() => undefined, (e: unknown) => e);
        expect(error).to.be.instanceOf(TokenSourceError);
        return (error as TokenSourceError).failure;
      };
      expect(await failureOf()).to.deep.equal({ kind: 'auth', message: `cannot read the Slurm JWT file ${file} (SDP_SLURMDEPLOY_SLURM_JWT_FILE): ENOENT` });
      await writeFile(file, '  \n');
      expect((await failureOf()).message).to.equal(`the Slurm JWT file ${file} (SDP_SLURMDEPLOY_SLURM_JWT_FILE) is empty`);
      await writeFile(file, 'secret-one secret-two\n');
      const two = await failureOf();
      expect(two.message).to.contain('more than one token');
      expect(two.message).not.to.contain('secret-one');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('jwtTimes reads iat and exp, and nothing from what is not a JWT', () => {
    expect(jwtTimes(jwt({ iat: 5, exp: 10 }))).to.deep.equal({ iat: 5, exp: 10 });
    expect(jwtTimes(jwt({ iat: 'x', exp: 10 }))).to.deep.equal({ exp: 10 });
    expect(jwtTimes(new Secret('x.y'))).to.deep.equal({});
  });
});
