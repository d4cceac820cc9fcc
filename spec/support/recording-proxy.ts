// A pass-through HTTP proxy for live specs: forwards every request to the real server unchanged
// and keeps what came back (status, content type, body), so a spec can see the wire, e.g. that
// slurmrestd really answered 304 with an empty body, and check each body against the contract.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

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

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const exchanges: ProxiedExchange[] = [];
  const agent = new http.Agent({ keepAlive: false });
  const server = http.createServer((req, res) => {
    const at = Date.now();
    const token = req.headers['x-slurm-user-token'];
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host }, agent },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (c: Buffer) => body.push(c));
          answer.on('end', () => {
            const text = Buffer.concat(body).toString('utf8');
            const contentType = answer.headers['content-type'];
            exchanges.push({
              method: req.method ?? '',
              url: req.url ?? '',
              status: answer.statusCode ?? 0,
              body: text,
              at,
              ...(contentType === undefined ? {} : { contentType }),
              ...(typeof token === 'string' ? { token } : {}),
            });
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(text);
          });
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(Buffer.concat(chunks));
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
        agent.destroy();
      }),
  };
}
