// One replica's road to etcd in the soak: a loopback TCP proxy per etcd member that can partition
// the replica from the cluster. `hold` delivers nothing and keeps every byte where it is (a
// network that drops packets: TCP's retransmits deliver them once it heals); `drop` reads what
// crosses and throws it away, and resets those connections on heal (their streams lost bytes,
// as through a middlebox that lost its state). New connections made meanwhile get nowhere.

import { connect, createServer, type Server, type Socket } from 'node:net';

export type Partition = 'hold' | 'drop';
type Mode = 'open' | Partition;

interface Pair {
  readonly client: Socket;
  upstream: Socket | undefined;
  /** Bytes of this connection were thrown away: it can never carry a valid stream again. */
  damaged: boolean;
}

export class TcpProxy {
  readonly #pairs = new Set<Pair>();
  #mode: Mode = 'open';

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly upstreamPort: number,
  ) {}

  static async start(upstreamPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => proxy?.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, (server.address() as { port: number }).port, upstreamPort);
    return proxy;
  }

  get mode(): Mode {
    return this.#mode;
  }

  private accept(client: Socket): void {
    const pair: Pair = { client, upstream: undefined, damaged: false };
    this.#pairs.add(pair);
    const drop = () => {
      client.destroy();
      pair.upstream?.destroy();
      this.#pairs.delete(pair);
    };
    client.on('error', drop).on('close', drop);
    if (this.#mode === 'hold') client.pause();
    this.forward(pair, client, () => pair.upstream);
    // Held: the connection to the member is made on heal, as a SYN would get through only then.
    if (this.#mode !== 'hold') this.dial(pair, drop);
  }

  private dial(pair: Pair, drop: () => void): void {
    const upstream = connect(this.upstreamPort, '127.0.0.1');
    pair.upstream = upstream;
    upstream.on('error', drop).on('close', drop);
    this.forward(pair, upstream, () => pair.client);
  }

  /** Bytes from `from` go to `to()` while open, are thrown away while dropping; backpressure kept. */
  private forward(pair: Pair, from: Socket, to: () => Socket | undefined): void {
    from.on('data', (chunk: Buffer) => {
      const target = to();
      if (this.#mode === 'drop' || target === undefined) {
        pair.damaged = true;
        return;
      }
      if (!target.write(chunk)) {
        from.pause();
        target.once('drain', () => this.#mode !== 'hold' && from.resume());
      }
    });
  }

  partition(kind: Partition): void {
    if (this.#mode !== 'open') return;
    this.#mode = kind;
    if (kind === 'hold') for (const pair of this.#pairs) [pair.client, pair.upstream].forEach((s) => s?.pause());
  }

  heal(): void {
    const was = this.#mode;
    if (was === 'open') return;
    this.#mode = 'open';
    for (const pair of [...this.#pairs]) {
      if (pair.damaged) {
        pair.client.destroy();
        pair.upstream?.destroy();
        this.#pairs.delete(pair);
      } else if (was === 'hold') {
        if (pair.upstream === undefined) {
          this.dial(pair, () => {
            pair.client.destroy();
            pair.upstream?.destroy();
            this.#pairs.delete(pair);
          });
        }
        pair.client.resume();
        pair.upstream?.resume();
      }
    }
  }

  async close(): Promise<void> {
    for (const pair of this.#pairs) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    this.#pairs.clear();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** A replica's proxies, one per etcd member, partitioned and healed together. */
export class EtcdLink {
  private constructor(readonly proxies: readonly TcpProxy[]) {}

  static async start(memberPorts: readonly number[]): Promise<EtcdLink> {
    return new EtcdLink(await Promise.all(memberPorts.map((port) => TcpProxy.start(port))));
  }

  /** SDP_CONFIG_ENDPOINTS for the replica behind this link. */
  get endpoints(): string {
    return this.proxies.map((p) => `http://127.0.0.1:${p.port}`).join(',');
  }

  partition(kind: Partition): void {
    this.proxies.forEach((p) => p.partition(kind));
  }

  heal(): void {
    this.proxies.forEach((p) => p.heal());
  }

  async close(): Promise<void> {
    await Promise.all(this.proxies.map((p) => p.close()));
  }
}
