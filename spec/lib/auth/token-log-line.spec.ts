// Which log line each event of the Slurm token's life is worth: the level, the message an
// operator acts on, seconds rounded to a tenth, what to do about a token that cannot be replaced,
// and never the token itself.

import { expect } from 'chai';
import type { HeldToken, TokenEvent } from '../../../lib/auth/token-events.js';
import { tokenLogLine, type TokenLogMethod } from '../../../lib/auth/token-log-line.js';
import { Secret } from '../../../lib/base/secret.js';

const NOW = 1_700_000_000_000;
const TOKEN_TEXT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzbHVybWpvYiJ9.c2lnbmF0dXJlLXZhbHVl';
const token = (expiresAt?: number): HeldToken => ({ token: new Secret(TOKEN_TEXT), obtainedAt: NOW, ...(expiresAt === undefined ? {} : { expiresAt }) });

function obtained(over: Partial<Extract<TokenEvent, { type: 'tokenObtained' }>> = {}): TokenEvent {
  return { type: 'tokenObtained', reason: 'start', token: token(NOW + 3_600_000), changed: true, stale: false, refreshAt: NOW + 2_880_049, ...over };
}

describe('tokenLogLine', () => {
  it('INFO for a new token, never called accepted (Slurm has not checked it), with its expiry and next refresh in seconds (a tenth)', () => {
    expect(tokenLogLine('entra', obtained(), NOW)).to.deep.equal({
      level: 'info',
      message: 'Slurm token issued by the token server; Slurm has not checked it yet',
      fields: { method: 'entra', reason: 'start', expiresInSeconds: 3600, refreshInSeconds: 2880 },
    });
    const refreshed = tokenLogLine('entra', obtained({ reason: 'due', refreshAt: NOW + 1_250 }), NOW);
    expect([refreshed.level, refreshed.message, refreshed.fields['refreshInSeconds']]).to.deep.equal(['info', 'new Slurm token issued by the token server; Slurm has not checked it yet', 1.3]);
    expect(tokenLogLine('jwt-file', obtained(), NOW).message).to.equal('Slurm token read from SDP_SLURMDEPLOY_SLURM_JWT_FILE; Slurm has not checked it yet');
    expect(tokenLogLine('jwt', obtained(), NOW).message).to.equal('Slurm token taken from SDP_SLURMDEPLOY_SLURM_JWT; Slurm has not checked it yet');
  });

  it('leaves out the times a token does not have', () => {
    const line = tokenLogLine('jwt', { type: 'tokenObtained', reason: 'start', token: token(), changed: true, stale: false }, NOW);
    expect(line.fields).to.deep.equal({ method: 'jwt', reason: 'start' });
  });

  it('WARNING of kind auth for a token not replaced, saying how to replace it for each method', () => {
    const rejected = obtained({ reason: 'rejected', changed: false });
    const replace = (method: TokenLogMethod) => tokenLogLine(method, rejected, NOW);
    expect(replace('jwt-file')).to.deep.include({ level: 'warning', message: 'Slurm rejected the token and no other one is available' });
    expect(replace('jwt-file').fields).to.include({ kind: 'auth', replace: 'write a new token to SDP_SLURMDEPLOY_SLURM_JWT_FILE' });
    expect(replace('jwt').fields['replace']).to.equal('restart with a new SDP_SLURMDEPLOY_SLURM_JWT');
    expect(replace('entra').fields['replace']).to.equal('the token server');
  });

  it('tells a token about to expire from one already expired', () => {
    expect(tokenLogLine('jwt-file', obtained({ stale: true, token: token(NOW + 10_000) }), NOW).message).to.equal('Slurm token expires soon and no newer one is available');
    expect(tokenLogLine('jwt-file', obtained({ stale: true, token: token(NOW) }), NOW).message).to.equal('Slurm token has expired and no newer one is available');
  });

  it('WARNING for a failure, with its kind, message, attempt and when it is tried again', () => {
    const event: TokenEvent = { type: 'tokenFailed', reason: 'retry', failure: { kind: 'auth', message: 'no token from https://login.example/t: ECONNREFUSED' }, attempt: 3, retryAt: NOW + 4_040 };
    expect(tokenLogLine('entra', event, NOW)).to.deep.equal({
      level: 'warning',
      message: 'Slurm token refresh failed',
      fields: { method: 'entra', reason: 'retry', kind: 'auth', error: 'no token from https://login.example/t: ECONNREFUSED', attempt: 3, retryInSeconds: 4 },
    });
  });

  it('WARNING for a refresh put off after a second rejection', () => {
    expect(tokenLogLine('entra', { type: 'refreshDeferred', attempt: 2, retryAt: NOW + 2_000 }, NOW)).to.deep.equal({
      level: 'warning',
      message: 'Slurm rejected the refreshed token too; asking again after a backoff',
      fields: { method: 'entra', kind: 'auth', attempt: 2, retryInSeconds: 2 },
    });
  });

  it('never carries the token, nor any part of it, whatever the event', () => {
    const events: TokenEvent[] = [
      obtained(),
      obtained({ changed: false, reason: 'rejected' }),
      obtained({ stale: true, token: token(NOW - 1) }),
      { type: 'tokenFailed', reason: 'due', failure: { kind: 'auth', message: 'no token' }, attempt: 1, retryAt: NOW },
      { type: 'refreshDeferred', attempt: 1, retryAt: NOW },
    ];
    for (const event of events) {
      const printed = JSON.stringify(tokenLogLine('entra', event, NOW));
      for (const part of [TOKEN_TEXT, ...TOKEN_TEXT.split('.')]) expect(printed).not.to.contain(part);
    }
  });
});
