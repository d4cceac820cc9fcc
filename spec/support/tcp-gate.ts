// A loopback TCP proxy whose connections can be cut, and new ones refused, at will.

import { connect, createServer, type Server, type Socket } from 'node:net';

/** A TCP gate in front of a server (etcd): it can drop every connection and refuse new ones. */
export
class TcpGate {
  readonly #pairs = new Set<[Socket, Socket]>();
  #open = true;
  connections = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(upstreamPort: number, upstreamHost = '127.0.0.1'): Promise<TcpGate> {
    let gate: TcpGate | undefined;
    const server = createServer((client) => gate?.pass(client, upstreamHost, upstreamPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    gate = new TcpGate(server, (server.address() as { port: number }).port);
    return gate;
  }

  private pass(client: Socket, upstreamHost: string, upstreamPort: number): void {
    if (!this.#open) {
      client.destroy();
      return;
    }
    this.connections++;
    const upstream = connect(upstreamPort, upstreamHost);
    const pair: [Socket, Socket] = [client, upstream];
    this.#pairs.add(pair);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.#pairs.delete(pair);
    };
    for (const socket of pair) socket.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Drops every open connection at once, as a crashed server or a broken network would. */
  cut(): void {
    for (const [a, b] of [...this.#pairs]) {
      a.destroy();
      b.destroy();
    }
    this.#pairs.clear();
  }

  refuse(): void {
    this.#open = false;
  }

  accept(): void {
    this.#open = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
