// slurm-http before anything is sent: what a request rejects with when its credentials cannot be
// had. The token keeper's NoSlurmTokenError (and a source's TokenSourceError) pass on their own
// classified failure; anything else is an auth failure naming the operation.

import { expect } from 'chai';
import { NoSlurmTokenError, TokenSourceError, type TokenProvider } from '../../../lib/auth/token-provider.js';
import { createSlurmHttp } from '../../../lib/slurm/slurm-http.js';
import { SlurmRequestError } from '../../../lib/slurm/slurm-api.js';

/** Nothing listens there: a request that got past its credentials would fail as transient. */
const NOWHERE = 'http://127.0.0.1:9';

async function rejectionOf(credentials: TokenProvider): Promise<SlurmRequestError> {
  const http = createSlurmHttp({ baseUrl: NOWHERE, credentials });
  try {
    const error = await http.call('listJobs', 'GET', '/slurm/v0.0.38/jobs/').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(SlurmRequestError);
    return error as SlurmRequestError;
  } finally {
    await http.close();
  }
}

describe('slurm-http without credentials', () => {
  it("passes the token keeper's NoSlurmTokenError on as it classified it", async () => {
    const failure = { kind: 'auth', message: 'no usable Slurm token: the token server is down' } as const;
    const error = await rejectionOf({ credentials: () => Promise.reject(new NoSlurmTokenError(failure)) });
    expect(error.failure).to.deep.equal(failure);
    expect(error.status).to.equal(undefined);
  });

  it("passes a TokenSourceError's failure on too", async () => {
    const error = await rejectionOf({ credentials: () => Promise.reject(new TokenSourceError('the Slurm JWT file /run/jwt is empty')) });
    expect(error.failure).to.deep.equal({ kind: 'auth', message: 'the Slurm JWT file /run/jwt is empty' });
  });

  it('does not believe any other error that merely carries a `failure`: an auth failure naming the operation', async () => {
    const impostor = Object.assign(new Error('Entra said no'), { failure: { kind: 'transient', message: 'trust me' } });
    const error = await rejectionOf({ credentials: () => Promise.reject(impostor) });
    expect(error.failure).to.deep.equal({ kind: 'auth', message: 'listJobs: no Slurm credentials: Entra said no' });
  });

  it('wraps a rejection that is no Error at all', async () => {
    const error = await rejectionOf({ credentials: () => Promise.reject({ failure: { kind: 'permanent', message: 'x' } }) });
    expect(error.failure.kind).to.equal('auth');
    expect(error.failure.message).to.match(/^listJobs: no Slurm credentials: /);
  });
});
