import { expect } from 'chai';
import { jwtExpiry, staticJwtProvider } from '../../../lib/auth/static-jwt.js';
import { Secret } from '../../../lib/core/secret.js';

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
