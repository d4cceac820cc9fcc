// A pass-through HTTP proxy for live specs: forwards every request to the real server unchanged
// and keeps what came back (status, content type, body), so a spec can see the wire, e.g. that
// slurmrestd really answered 304 with an empty body, and check each body against the contract.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';

export interface ProxiedExchange {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly contentType?: string;
  readonly body: string;
  /** The X-SLURM-USER-TOKEN the request carried, and when it was sent (ms since the epoch). */
  readonly token?: string;
  readonly at: number;
}

export interface RecordingProxy {
  readonly url: string;
  readonly exchanges: ProxiedExchange[];
  close(): Promise<void>;
}

/** Request headers undici refuses to forward (it manages the connection itself). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'expect']);

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const exchanges: ProxiedExchange[] = [];
  // undici, like the deployer's client: slurmrestd 26.05 writes a second (text/plain) answer after
  // a `Connection: Close` error answer, which node:http's parser refuses ("Data after
  // Connection: close") and undici ignores. No keep-alive: each request on a fresh connection.
  const dispatcher = new Agent({ keepAliveTimeout: 1, keepAliveMaxTimeout: 1, pipelining: 0 });
  const server = http.createServer((req, res) => {
    const at = Date.now();
    const token = req.headers['x-slurm-user-token'];
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && typeof v === 'string') headers[k] = v;
      const body = chunks.length === 0 ? null : Buffer.concat(chunks);
      request(new URL(req.url ?? '/', upstream), { method: (req.method ?? 'GET') as Dispatcher.HttpMethod, headers, body, dispatcher, headersTimeout: 60_000, bodyTimeout: 60_000 })
        .then(async (answer) => {
          const text = await answer.body.text();
          const contentType = answer.headers['content-type'];
          exchanges.push({
            method: req.method ?? '',
            url: req.url ?? '',
            status: answer.statusCode,
            body: text,
            at,
            ...(typeof contentType === 'string' ? { contentType } : {}),
            ...(typeof token === 'string' ? { token } : {}),
          });
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined && k !== 'content-length' && k !== 'transfer-encoding') out[k] = v;
          res.writeHead(answer.statusCode, out);
          res.end(text);
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        void dispatcher.close();
      }),
  };
}
