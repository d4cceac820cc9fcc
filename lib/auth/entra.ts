// The "JWKS" method: a token from Azure Entra (or any OAuth2/OIDC server) by the client
// credentials flow, through msal-node's confidential client. msal's own cache is skipped: the
// token stream decides when a new token is wanted, and msal would hold a token up to 5 min
// before its expiry (too late for a fixed fraction of a short lifetime). A client secret from a
// file (SDP_SLURMDEPLOY_CLIENT_SECRET_FILE) is read again after the server refused it, so that a
// rotated Kubernetes Secret is taken up without a restart.

import { ConfidentialClientApplication, LogLevel, ProtocolMode } from '@azure/msal-node';
import { Secret } from '../base/secret.js';
import { FileSecret } from '../base/file-secret.js';
import { TokenSourceError, type IssuedToken, type TokenSource } from './token-provider.js';
import { tokenServerNetwork, type TokenServerTimeouts } from './token-server-network.js';
import { definedOnly } from '../core/defined-only.js';
import { messageOf } from '../core/error-message.js';

export interface EntraOptions {
  /** SDP_SLURMDEPLOY_AZURE_URL: the authority, e.g. `https://login.microsoftonline.com/<tenant>`, or its token address. */
  readonly azureUrl: string;
  /** SDP_SLURMDEPLOY_CLIENT_ID: the app's client id, which is also the Slurm user name. */
  readonly clientId: string;
  /** A FileSecret is read here (a SettingError when it cannot be), and again after each refusal. */
  readonly clientSecret: Secret;
  /** SDP_SLURMDEPLOY_AZURE_SCOPE; default `<client id>/.default`. */
  readonly scope: string;
  /** PEM certificate(s) trusted beside the system's roots (SDP_SLURMDEPLOY_AZURE_CA). */
  readonly ca?: string;
  readonly timeouts?: Partial<TokenServerTimeouts>;
  /** Milliseconds since the epoch; tests replace it. */
  readonly now?: () => number;
}

export interface EntraTokenSource extends TokenSource {
  /** The authority msal uses (the token address's tenant part when a token address was given). */
  readonly authority: string;
  close(): Promise<void>;
}

/** The default scope: a token for the app itself, the form Entra's client credentials flow wants. */
export function defaultEntraScope(clientId: string): string {
  return `${clientId}/.default`;
}

/**
 * The authority of an AZURE_URL, which may name the token address itself (the SKA deployer's
 * form): `.../<tenant>/oauth2/v2.0/token` and `.../<tenant>/oauth2/token` give `.../<tenant>`.
 */
export function entraAuthority(azureUrl: string): string {
  const url = new URL(azureUrl);
  url.search = '';
  url.hash = '';
  url.pathname = url.pathname.replace(/\/oauth2(\/v2\.0)?\/token\/?$/, '').replace(/\/+$/, '');
  return url.toString().replace(/\/+$/, '');
}

/** Microsoft's own login hosts get msal's Entra mode (AAD); any other server plain OIDC. */
const MICROSOFT_HOSTS = [
  'login.microsoftonline.com',
  'login.microsoft.com',
  'login.windows.net',
  'sts.windows.net',
  'login.microsoftonline.us',
  'login.usgovcloudapi.net',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
  'login.microsoftonline.de',
];

function protocolModeFor(host: string): ProtocolMode {
  const h = host.toLowerCase();
  return MICROSOFT_HOSTS.includes(h) || h.endsWith('.ciamlogin.com') || h.endsWith('.b2clogin.com') ? ProtocolMode.AAD : ProtocolMode.OIDC;
}

export function entraTokenSource(options: EntraOptions): EntraTokenSource {
  const authority = entraAuthority(options.azureUrl);
  const url = new URL(authority);
  if (url.protocol !== 'https:') throw new Error(`the Entra authority must be an https:// URL, not ${url.protocol}`);
  const now = options.now ?? Date.now;
  const network = tokenServerNetwork({ origin: url.origin, ...definedOnly({ ca: options.ca, timeouts: options.timeouts }) });
  const confidentialClient = (clientSecret: Secret) =>
    new ConfidentialClientApplication({
      auth: {
        clientId: options.clientId,
        authority,
        clientSecret: clientSecret.reveal(),
        // The authority's own host is trusted as is: no instance discovery request to Microsoft.
        knownAuthorities: [url.host],
      },
      system: {
        networkClient: network,
        protocolMode: protocolModeFor(url.hostname),
        loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => undefined },
      },
    });
  const file = options.clientSecret instanceof FileSecret ? options.clientSecret : undefined;
  let secret = file === undefined ? options.clientSecret : file.read();
  let app = confidentialClient(secret);
  /** Every value used so far: a message is scrubbed of all of them. */
  const used = new Set([secret.reveal()]);
  let refused = false;

  /** After a refusal, the file once more: a new client when it holds another secret. */
  const takeRotation = (): void => {
    if (file === undefined || !refused) return;
    let fresh: Secret;
    try {
      fresh = file.read();
    } catch (error) {
      throw new TokenSourceError(`no token from ${authority}: the client secret was refused, and ${messageOf(error)}`);
    }
    if (fresh.reveal() === secret.reveal()) return;
    secret = fresh;
    used.add(fresh.reveal());
    app = confidentialClient(fresh);
  };

  return {
    method: 'entra',
    userName: options.clientId,
    authority,
    async obtain(): Promise<IssuedToken> {
      takeRotation();
      const askedAt = now();
      network.takeLastFailure();
      let result;
      try {
        result = await app.acquireTokenByClientCredential({ scopes: [options.scope], skipCache: true });
      } catch (error) {
        refused = secretRefused(error);
        const cause = network.takeLastFailure();
        const said = describe(error);
        const fromFile = refused && file !== undefined ? ` (the secret of ${file.variable}, ${file.path}: read again at the next attempt)` : '';
        const message = `no token from ${authority} (client credentials): ${said}${cause === undefined || said.includes(cause) ? '' : `: ${cause}`}${fromFile}`;
        throw new TokenSourceError(scrub(message, used));
      }
      refused = false;
      if (result === null || result.accessToken === '') throw new TokenSourceError(`no token from ${authority}: the answer held no access token`);
      return { token: new Secret(result.accessToken), issuedAt: askedAt, ...definedOnly({ expiresAt: result.expiresOn?.getTime() }) };
    },
    close: () => network.close(),
  };
}

/**
 * The token server refused the client secret itself: OAuth2's `invalid_client` (Entra answers so,
 * with AADSTS7000215 for a wrong secret and AADSTS7000222 for an expired one). Other refusals
 * (an unknown scope, an app not in the tenant) are not cured by another secret.
 */
export function secretRefused(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { errorCode, errorMessage } = error as { errorCode?: unknown; errorMessage?: unknown };
  if (errorCode === 'invalid_client') return true;
  const text = `${typeof errorMessage === 'string' ? errorMessage : ''} ${error.message}`;
  return /\bAADSTS(7000215|7000222)\b|\binvalid_client\b/.test(text);
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const { errorCode, errorMessage } = error as { errorCode?: unknown; errorMessage?: unknown };
    const text = typeof errorMessage === 'string' && errorMessage !== '' ? errorMessage : error.message;
    const said = typeof errorCode === 'string' && errorCode !== '' && !text.startsWith(errorCode) ? `${errorCode}: ${text}` : text;
    // Entra appends trace and correlation ids and a timestamp on new lines: keep the first.
    const first = said.split(/\r?\n/)[0] ?? said;
    return first.length > 400 ? `${first.slice(0, 400)}...` : first;
  }
  return String(error);
}

function scrub(message: string, secrets: ReadonlySet<string>): string {
  let text = message;
  for (const secret of secrets) if (secret.length >= 4) text = text.split(secret).join('[redacted]');
  return text;
}
