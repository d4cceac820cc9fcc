import { expect } from 'chai';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { TcpProxy } from './tcp-proxy.js';

/** An echo server: what a client sends comes back, so what crossed the proxy both ways is seen. */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.pipe(socket).on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

async function client(port: number): Promise<{ socket: Socket; received: () => string; closed: () => boolean }> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (text += chunk.toString())).on('close', () => (closed = true)).on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  return { socket, received: () => text, closed: () => closed };
}

describe('the soak\'s TCP proxy (a replica partitioned from etcd)', () => {
  let echo: { server: Server; port: number };
  let proxy: TcpProxy;
  beforeEach(async () => {
    echo = await echoServer();
    proxy = await TcpProxy.start(echo.port);
  });
  afterEach(async () => {
    await proxy.close();
    await new Promise((resolve) => echo.server.close(resolve));
  });

  it('passes bytes both ways while open', async () => {
    const c = await client(proxy.port);
    c.socket.write('ping');
    await sleep(100);
    expect(c.received()).to.equal('ping');
    c.socket.destroy();
  });

  it('hold: delivers nothing while partitioned, everything in order on heal, on old and new connections', async () => {
    const old = await client(proxy.port);
    old.socket.write('a');
    await sleep(100);
    proxy.partition('hold');
    old.socket.write('b');
    const fresh = await client(proxy.port);
    fresh.socket.write('c');
    await sleep(200);
    expect([old.received(), fresh.received()]).to.deep.equal(['a', '']);
    proxy.heal();
    await sleep(200);
    expect([old.received(), fresh.received(), old.closed(), fresh.closed()]).to.deep.equal(['ab', 'c', false, false]);
    old.socket.destroy();
    fresh.socket.destroy();
  });

  it('drop: throws bytes away while partitioned, resets the connections that lost bytes on heal, keeps the idle ones', async () => {
    const talking = await client(proxy.port);
    const idle = await client(proxy.port);
    proxy.partition('drop');
    talking.socket.write('lost');
    await sleep(200);
    expect(talking.received()).to.equal('');
    proxy.heal();
    await sleep(200);
    expect([talking.closed(), idle.closed()]).to.deep.equal([true, false]);
    idle.socket.write('after');
    await sleep(100);
    expect(idle.received()).to.equal('after');
    idle.socket.destroy();
  });
});
