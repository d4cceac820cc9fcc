// A loopback HTTP proxy in front of slurmrestd that holds chosen requests for a while: the way
// to have a submit in flight at a moment of the spec's choosing.

import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DelayingProxy {
  readonly url: string;
  /** Requests that were held so far. */
  readonly held: () => number;
  close(): Promise<void>;
}

export async function startDelayingProxy(target: string, delayMs: number, hold: (req: IncomingMessage) => boolean): Promise<DelayingProxy> {
  const to = new URL(target);
  let held = 0;
  const server: Server = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (chunk: Buffer) => body.push(chunk));
    req.on('end', () => {
      const forward = () => {
        const upstream = request(
          { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', () => res.destroy());
        upstream.end(Buffer.concat(body));
      };
      if (hold(req)) {
        held += 1;
        setTimeout(forward, delayMs);
      } else forward();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: () => held,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
