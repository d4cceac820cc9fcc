// An OAuth2/OIDC token server on loopback over HTTPS (oauth2-mock-server), standing in for
// Azure Entra: client credentials only, the client secret checked, tokens of a chosen
// lifetime carrying `sun` (the claim Slurm 22.05 takes the user from), every answer recorded.

import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { OAuth2Issuer, OAuth2Service, type MutableResponse, type MutableToken, type TokenRequestIncomingMessage } from 'oauth2-mock-server';
import type { ThrowawayTls } from './throwaway-tls.js';

export interface IssuedRecord {
  /** Milliseconds since the epoch, when the answer was sent. */
  readonly at: number;
  readonly status: number;
  /** The access token handed out (absent when refused). */
  readonly token?: string;
  /** True when the token was deliberately spoilt (see spoilNext). */
  readonly spoilt: boolean;
}

export interface TokenServer {
  /** `https://127.0.0.1:<port>`: the authority to configure. */
  readonly url: string;
  readonly issued: IssuedRecord[];
  /** Paths asked for, in order (to show nothing but the discovery document and the token endpoint is used). */
  readonly paths: string[];
  /** The next `count` tokens are spoilt after signing (payload changed, signature kept): Slurm rejects them. */
  spoilNext(count: number): void;
  close(): Promise<void>;
}

export interface TokenServerOptions {
  readonly tls: ThrowawayTls;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Slurm user the tokens name in `sun`. */
  readonly sun: string;
  readonly lifetimeSeconds: number;
  /** PEM RSA private key to sign with, and the kid Slurm knows it by (the stack's JWKS key). */
  readonly signingKeyPem: string;
  readonly kid: string;
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const issuer = new OAuth2Issuer();
  const service = new OAuth2Service(issuer);
  const jwk = createPrivateKey(options.signingKeyPem).export({ format: 'jwk' });
  await issuer.keys.add({ ...jwk, kid: options.kid, alg: 'RS256', use: 'sig' });
  const issued: IssuedRecord[] = [];
  const paths: string[] = [];
  let spoil = 0;

  service.on('beforeTokenSigning', (token: MutableToken, _req: TokenRequestIncomingMessage) => {
    token.payload['sun'] = options.sun;
    token.payload.exp = token.payload.iat + options.lifetimeSeconds;
  });
  service.on('beforeResponse', (response: MutableResponse, req: TokenRequestIncomingMessage) => {
    const body = req.body as unknown as Record<string, unknown>;
    if (body['client_id'] !== options.clientId || body['client_secret'] !== options.clientSecret) {
      response.statusCode = 401;
      response.body = { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' };
      issued.push({ at: Date.now(), status: 401, spoilt: false });
      return;
    }
    if (response.body === '') return;
    response.body['expires_in'] = options.lifetimeSeconds;
    let token = String(response.body['access_token']);
    const spoilt = spoil > 0;
    if (spoilt) {
      spoil--;
      token = spoiled(token);
      response.body['access_token'] = token;
    }
    issued.push({ at: Date.now(), status: response.statusCode, token, spoilt });
  });

  const handler = service.requestHandler;
  const server = createServer({ key: await readFile(options.tls.keyFile), cert: await readFile(options.tls.certFile) }, (req, res) => {
    paths.push(`${req.method ?? ''} ${new URL(req.url ?? '/', 'https://x').pathname}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The issuer must name the host the client was given, or msal refuses the discovery document.
  issuer.url = url;
  return {
    url,
    issued,
    paths,
    spoilNext: (count) => {
      spoil = count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The same token with `iat` one second later: well formed, but its signature no longer fits. */
function spoiled(token: string): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as { iat: number };
  claims.iat += 1;
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}
