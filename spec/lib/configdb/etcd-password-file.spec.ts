// SDP_CONFIG_PASSWORD_FILE in the etcd client options: checked when the Config DB is opened, and
// read again each time etcd3 asks for the password (when a client authenticates), so that every
// client takes up a rotated password. What etcd does with it: etcd-password-file.live.spec.ts.

import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readConfig, type ConfigDbConfig, type Environment } from '../../../lib/config/deployer-config.js';
import { SettingError } from '../../../lib/base/setting-error.js';
import { clientOptions, createEtcdConfigDb } from '../../../lib/configdb/etcd-config-db.js';
import { etcdOptionsOf, openConfigDb } from '../../../lib/configdb/open-config-db.js';
import { MINIMAL_ENV } from '../../support/fixtures.js';

describe('SDP_CONFIG_PASSWORD_FILE in the etcd client options', () => {
  let dir: string;
  let passwordFile: string;

  const settings = (env: Environment = {}): ConfigDbConfig => {
    const result = readConfig({ ...MINIMAL_ENV, SDP_CONFIG_USERNAME: 'sdp', SDP_CONFIG_PASSWORD_FILE: passwordFile, ...env });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    return result.config.configDb;
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'etcd-password-file-'));
  });
  beforeEach(async () => {
    passwordFile = path.join(dir, `password-${Math.random().toString(36).slice(2)}`);
    await writeFile(passwordFile, 'pw-one\n');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('opening the Config DB reads the file: unreadable or empty, a SettingError naming the variable and the path (exit 2)', async () => {
    const missing = path.join(dir, 'missing');
    expect(() => openConfigDb(settings({ SDP_CONFIG_PASSWORD_FILE: missing }))).to.throw(SettingError, `SDP_CONFIG_PASSWORD_FILE: cannot read ${missing} (ENOENT)`);
    await writeFile(passwordFile, '\n');
    expect(() => etcdOptionsOf(settings())).to.throw(SettingError, `SDP_CONFIG_PASSWORD_FILE: ${passwordFile} is empty`);
  });

  it('etcd3 gets the password as the file holds it each time it asks, and the last one read when the file is gone', async () => {
    const options = etcdOptionsOf(settings());
    expect(options.password?.reveal()).to.equal('pw-one');
    const auth = clientOptions(options, 1000).auth;
    expect(auth?.username).to.equal('sdp');
    expect(auth?.password).to.equal('pw-one');
    await writeFile(passwordFile, 'pw-two\n');
    expect(auth?.password).to.equal('pw-two');
    // What scrubs messages of the password (safeMessage) sees the one in use.
    expect(options.password?.reveal()).to.equal('pw-two');
    await rm(passwordFile);
    expect(auth?.password).to.equal('pw-two');
  });

  it('a password given as a variable is a plain value, as before', () => {
    const config = settings({ SDP_CONFIG_PASSWORD_FILE: undefined, SDP_CONFIG_PASSWORD: 'pw-var' });
    expect(Object.getOwnPropertyDescriptor(clientOptions(etcdOptionsOf(config), 1000).auth, 'password')).to.include({ value: 'pw-var' });
  });

  describe('a call that fails while the file cannot be read', () => {
    let silent: Server;
    let port: number;
    const sockets = new Set<Socket>();
    before(async () => {
      // Accepts and says nothing: etcd3's authentication (which asks for the password) times out.
      silent = createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      port = (silent.address() as { port: number }).port;
    });
    after(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it('names the file and why it cannot be read, and never the password', async () => {
      const options = etcdOptionsOf(settings({ SDP_CONFIG_PORT: String(port) }));
      await rm(passwordFile);
      const db = createEtcdConfigDb({ ...options, timeoutMs: 500 });
      try {
        const error = await db.listDeployments().then(() => undefined, (e: unknown) => e as Error);
        expect(error?.message).to.match(new RegExp(`^etcd list deployments failed: .* \\[SDP_CONFIG_PASSWORD_FILE: cannot read ${passwordFile.replace(/[.\\/]/g, '\\$&')} \\(ENOENT\\)\\]$`));
        expect(error?.message).not.to.contain('pw-one');
      } finally {
        await db.close();
      }
    });
  });
});
