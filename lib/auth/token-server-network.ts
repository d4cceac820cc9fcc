// msal-node's network module, on undici: only the authority's origin is ever contacted (no
// instance discovery, no telemetry host), a custom CA can be trusted beside the system's roots
// (SDP_SLURMDEPLOY_AZURE_CA), and every request is bounded in time.

import { rootCertificates } from 'node:tls';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { Agent, request } from 'undici';
import { messageOf, namedMessageOf } from '../core/error-message.js';

export interface TokenServerTimeouts {
  /** TCP and TLS connect. */
  readonly connectMs: number;
  /** The whole exchange, answer body included. */
  readonly totalMs: number;
}

export const DEFAULT_TOKEN_SERVER_TIMEOUTS: TokenServerTimeouts = { connectMs: 5_000, totalMs: 20_000 };

export interface TokenServerNetworkOptions {
  /** `https://host:port`: requests elsewhere are refused without being sent. */
  readonly origin: string;
  /** PEM certificate(s) to trust in addition to the system's roots. */
  readonly ca?: string;
  readonly timeouts?: Partial<TokenServerTimeouts>;
}

export interface TokenServerNetwork extends INetworkModule {
  /**
   * What went wrong in the last request that failed, and forgets it: msal reports some failures
   * only as its own code (endpoints_resolution_error), without the cause.
   */
  takeLastFailure(): string | undefined;
  close(): Promise<void>;
}

/** No answer, or an answer that cannot be read: the message names the host, never a body. */
export class TokenServerUnreachable extends Error {
  override readonly name = 'TokenServerUnreachable';
}

const MAX_BODY_BYTES = 1024 * 1024;

export function tokenServerNetwork(options: TokenServerNetworkOptions): TokenServerNetwork {
  const timeouts = { ...DEFAULT_TOKEN_SERVER_TIMEOUTS, ...options.timeouts };
  const origin = new URL(options.origin).origin;
  const agent = new Agent({
    connect: { timeout: timeouts.connectMs, ...(options.ca === undefined ? {} : { ca: [...rootCertificates, options.ca] }) },
    headersTimeout: timeouts.totalMs,
    bodyTimeout: timeouts.totalMs,
    maxResponseSize: MAX_BODY_BYTES,
    keepAliveTimeout: 4_000,
  });

  let lastFailure: string | undefined;

  async function send<T>(method: 'GET' | 'POST', url: string, requestOptions: NetworkRequestOptions | undefined, timeoutMs?: number): Promise<NetworkResponse<T>> {
    try {
      return await exchange<T>(method, url, requestOptions, timeoutMs);
    } catch (error) {
      lastFailure = messageOf(error);
      throw error;
    }
  }

  async function exchange<T>(method: 'GET' | 'POST', url: string, requestOptions: NetworkRequestOptions | undefined, timeoutMs?: number): Promise<NetworkResponse<T>> {
    const target = new URL(url);
    if (target.origin !== origin) {
      throw new TokenServerUnreachable(`refusing to contact ${target.origin}: only the authority ${origin} (SDP_SLURMDEPLOY_AZURE_URL) is used`);
    }
    const where = `${target.origin}${target.pathname}`;
    let answer;
    try {
      answer = await request(target, {
        dispatcher: agent,
        method,
        headers: requestOptions?.headers ?? {},
        ...(method === 'POST' ? { body: requestOptions?.body ?? '' } : {}),
        signal: AbortSignal.timeout(Math.min(timeoutMs ?? timeouts.totalMs, timeouts.totalMs)),
      });
    } catch (error) {
      throw new TokenServerUnreachable(`no answer from ${where}: ${reason(error)}`);
    }
    let text: string;
    try {
      text = await answer.body.text();
    } catch (error) {
      throw new TokenServerUnreachable(`the answer of ${where} (HTTP ${answer.statusCode}) broke off: ${reason(error)}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new TokenServerUnreachable(`${where} answered HTTP ${answer.statusCode} with a body that is not JSON`);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    return { headers, body: body as T, status: answer.statusCode };
  }

  return {
    sendGetRequestAsync: (url, requestOptions, timeoutMs) => send('GET', url, requestOptions, timeoutMs),
    sendPostRequestAsync: (url, requestOptions) => send('POST', url, requestOptions),
    takeLastFailure: () => {
      const failure = lastFailure;
      lastFailure = undefined;
      return failure;
    },
    close: () => agent.close(),
  };
}

/** The code of a transport error (undici wraps the system's), or its message. */
function reason(error: unknown): string {
  for (let e: unknown = error, depth = 0; e instanceof Object && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return `${code}${e instanceof Error && e.message ? ` (${e.message})` : ''}`;
  }
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  return namedMessageOf(error);
}
