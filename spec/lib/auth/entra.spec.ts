// The Entra source against a real OAuth2/OIDC server on loopback over HTTPS (oauth2-mock-server
// with a throwaway CA): what msal-node asks for, what a refused or unreachable server gives.

import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { defaultEntraScope, entraAuthority, entraTokenSource, type EntraTokenSource } from '../../../lib/auth/entra.js';
import { TokenSourceError } from '../../../lib/auth/token-provider.js';
import { tokenServerNetwork } from '../../../lib/auth/token-server-network.js';
import { Secret } from '../../../lib/base/secret.js';
import { makeThrowawayTls, type ThrowawayTls } from '../../support/throwaway-tls.js';
import { startTokenServer, type TokenServer } from '../../support/token-server.js';

describe('entraTokenSource (msal-node, client credentials)', function () {
  this.timeout(30_000);
  const secret = 'the-client-secret-value';
  let tls: ThrowawayTls;
  let server: TokenServer;
  const sources: EntraTokenSource[] = [];
  const source = (options: Partial<Parameters<typeof entraTokenSource>[0]> = {}) => {
    const s = entraTokenSource({ azureUrl: server.url, clientId: 'slurmjob', clientSecret: new Secret(secret), scope: defaultEntraScope('slurmjob'), ca: tls.caPem, ...options });
    sources.push(s);
    return s;
  };
  const failureOf = async (s: EntraTokenSource) => {
    const error = await s.obtain().then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(TokenSourceError);
    const failure = (error as TokenSourceError).failure;
    expect(failure.kind).to.equal('auth');
    expect(failure.message).not.to.contain(secret);
    return failure.message;
  };

  before(async () => {
    tls = await makeThrowawayTls();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    server = await startTokenServer({
      tls,
      clientId: 'slurmjob',
      clientSecret: secret,
      sun: 'slurmjob',
      lifetimeSeconds: 20,
      signingKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      kid: 'spec-key',
    });
  });

  after(async () => {
    await Promise.all(sources.map((s) => s.close()));
    await server.close();
    await tls.remove();
  });

  it('gets a token for the client id, with its lifetime, asking only the discovery document and the token endpoint', async () => {
    const before = Date.now();
    const s = source();
    const asked = server.issued.length;
    const first = await s.obtain();
    const second = await s.obtain();
    // msal's own cache is skipped: each call asks the server (tokens of the same second are equal).
    expect(server.issued.length - asked).to.equal(2);
    expect(first.issuedAt).to.be.within(before, Date.now());
    expect(first.expiresAt! - first.issuedAt!).to.be.within(19_000, 21_000);
    expect(server.issued.slice(-2).map((r) => r.token)).to.deep.equal([first.token.reveal(), second.token.reveal()]);
    expect([...new Set(server.paths)]).to.deep.equal(['GET /.well-known/openid-configuration', 'POST /token']);
    const claims = JSON.parse(Buffer.from(first.token.reveal().split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).to.include({ sun: 'slurmjob', scope: 'slurmjob/.default' });
    expect(String(first.token)).to.equal('[redacted]');
  });

  it('takes the token address as the authority too (the SKA deployer form)', async () => {
    const s = source({ azureUrl: `${server.url}/oauth2/v2.0/token` });
    expect(s.authority).to.equal(server.url);
    expect((await s.obtain()).token.reveal()).to.match(/^ey/);
  });

  it('a wrong client secret: auth, with the server\'s words and without the secret', async () => {
    const message = await failureOf(source({ clientSecret: new Secret('not-the-secret') }));
    expect(message).to.match(/^no token from https:\/\/127\.0\.0\.1:\d+ \(client credentials\): invalid_client: /);
    expect(message).to.contain('AADSTS7000215');
    expect(message).not.to.contain('not-the-secret');
  });

  it('a server certificate it does not trust: auth, saying why', async () => {
    const { ca: _ca, ...rest } = { ca: undefined };
    void _ca;
    const s = entraTokenSource({ azureUrl: server.url, clientId: 'slurmjob', clientSecret: new Secret(secret), scope: 'x/.default', ...rest });
    sources.push(s);
    expect(await failureOf(s)).to.match(/no answer from https:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/);
  });

  it('a refused connection and a server that never answers both fail within the timeouts', async () => {
    const silent: Server = createServer((socket: Socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const started = Date.now();
      const silence = await failureOf(source({ azureUrl: `https://127.0.0.1:${port}/tenant`, timeouts: { connectMs: 300, totalMs: 600 } }));
      expect(silence).to.match(/no answer from https:\/\/127\.0\.0\.1:\d+\/tenant\/\.well-known\/openid-configuration: .*(timed out|Timeout)/i);
      expect(Date.now() - started).to.be.lessThan(5_000);
      silent.close();
      expect(await failureOf(source({ azureUrl: `https://127.0.0.1:${port}/tenant` }))).to.contain('ECONNREFUSED');
    } finally {
      silent.close();
    }
  });

  it('refuses an authority that is not https', () => {
    expect(() => entraTokenSource({ azureUrl: 'http://127.0.0.1:1/t', clientId: 'c', clientSecret: new Secret('s'), scope: 's' })).to.throw(/must be an https:\/\/ URL/);
  });
});

describe('entraAuthority', () => {
  it('keeps an authority, and cuts a token address down to it', () => {
    expect(entraAuthority('https://login.microsoftonline.com/tenant-id')).to.equal('https://login.microsoftonline.com/tenant-id');
    expect(entraAuthority('https://login.microsoftonline.com/tenant-id/')).to.equal('https://login.microsoftonline.com/tenant-id');
    expect(entraAuthority('https://login.microsoftonline.com/tenant-id/oauth2/v2.0/token')).to.equal('https://login.microsoftonline.com/tenant-id');
    expect(entraAuthority('https://login.microsoftonline.com/tenant-id/oauth2/token')).to.equal('https://login.microsoftonline.com/tenant-id');
    expect(entraAuthority('https://idp.example:8443/realms/sdp')).to.equal('https://idp.example:8443/realms/sdp');
  });
});

describe('tokenServerNetwork', () => {
  it('never contacts another origin than the authority\'s', async () => {
    const network = tokenServerNetwork({ origin: 'https://127.0.0.1:1' });
    try {
      const error = await network.sendGetRequestAsync('https://login.microsoftonline.com/common/discovery/instance').then(() => undefined, (e: unknown) => e);
      expect((error as Error).message).to.equal('refusing to contact https://login.microsoftonline.com: only the authority https://127.0.0.1:1 (SDP_SLURMDEPLOY_AZURE_URL) is used');
      expect(network.takeLastFailure()).to.contain('refusing to contact');
      expect(network.takeLastFailure()).to.equal(undefined);
    } finally {
      await network.close();
    }
  });
});
