// Opens the Config DB that the SDP_CONFIG_* settings describe: etcd (plain or TLS, with or without a
// user, below ska-sdp-config's global prefix) or the in-memory backend. Certificate files are read
// here, once, when the deployer starts; a password file (SDP_CONFIG_PASSWORD_FILE) too, and again
// at each authentication (etcd-config-db.ts).

import { tlsSettingProblems } from '../config/config-db-settings.js';
import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ConfigDbConfig } from '../config/deployer-config.js';
import type { ConfigDb } from './config-db.js';
import { createEtcdConfigDb, type EtcdConfigDbOptions } from './etcd-config-db.js';
import type { WriteFence } from './write-fence.js';
import { createMemoryConfigDb } from './memory-config-db.js';
import { checkGlobalPrefix } from './paths.js';
import { readPem } from '../base/pem-file.js';
import { SettingError } from '../base/setting-error.js';
import { FileSecret } from '../base/file-secret.js';
import { definedOnly } from '../core/defined-only.js';
import { messageOf } from '../core/error-message.js';

/** How openConfigDb's etcd client behaves. */
export interface OpenConfigDbOptions {
  /** Bound on every etcd call. Default 10 s. */
  readonly timeoutMs?: number;
  /** Longest wait between attempts to re-establish a broken watch. Default 2 s. */
  readonly watchReconnectMaxMs?: number;
  /** Fences every state write and delete by the replica's leadership. */
  readonly fence?: WriteFence;
}

/**
 * The memory backend is empty and private to this process; it has no prefix. Throws a
 * SettingError for a setting that cannot work (an unreadable or wrong certificate file,
 * TLS files with http); connecting happens later, on the first call.
 */
export function openConfigDb(config: ConfigDbConfig, options: OpenConfigDbOptions = {}): ConfigDb {
  if (config.backend === 'memory') return createMemoryConfigDb();
  const etcd = etcdOptionsOf(config, options);
  const authenticated = etcd.username !== undefined && etcd.password !== undefined;
  const db = authenticated ? withClientPerWatch(() => createEtcdConfigDb(etcd)) : createEtcdConfigDb(etcd);
  return config.protocol === 'https' ? withTlsDiagnosis(db, config, etcd, Math.min(options.timeoutMs ?? 10_000, 3000)) : db;
}

/** The etcd backend's options for these settings, certificate files read. */
export function etcdOptionsOf(config: ConfigDbConfig, options: OpenConfigDbOptions = {}): EtcdConfigDbOptions {
  const { protocol, cert, clientCert, clientKey, username, password } = config;
  const [problem] = tlsSettingProblems(config);
  if (problem !== undefined) throw new SettingError(problem.variable, problem.problem);
  // Checked at start (exit 2 when unreadable or empty); from then on read at each authentication.
  if (password instanceof FileSecret) password.readOnce();
  const prefix = config.prefix ?? '';
  try {
    checkGlobalPrefix(prefix);
  } catch (error) {
    throw new SettingError('SDP_CONFIG_PREFIX', messageOf(error));
  }
  return {
    // A cluster's members, any of which may answer: etcd3 moves to another when one fails.
    hosts: config.endpoints ?? `${protocol}://${config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host}:${config.port}`,
    prefix,
    // Without a CA of its own, https checks etcd's certificate against the system's roots.
    ...definedOnly({
      ca: readPem('SDP_CONFIG_CERT', cert, 'ca'),
      cert: readPem('SDP_CONFIG_CLIENT_CERT', clientCert, 'certificate'),
      key: readPem('SDP_CONFIG_CLIENT_KEY', clientKey, 'key'),
      username,
      password,
      timeoutMs: options.timeoutMs,
      watchReconnectMaxMs: options.watchReconnectMaxMs,
      fence: options.fence,
    }),
  };
}

/**
 * etcd3 1.1.2 runs every watch of a client on one stream, opened with the auth token the client
 * holds. Once that token is dead (etcd restarted: simple tokens live in its memory; or 5 minutes
 * unused), etcd refuses a watch created on the stream ("invalid auth token", answered as created
 * and cancelled at once), and etcd3 then never sends the create request of any later watch of
 * that client: the watch after the re-listing would time out, again and again. So with a user,
 * each watch gets a client of its own, closed with it: after a lost watch, a fresh token and stream.
 */
function withClientPerWatch(open: () => ConfigDb): ConfigDb {
  const db = open();
  const watchClients = new Set<ConfigDb>();
  const discard = async (client: ConfigDb): Promise<void> => {
    watchClients.delete(client);
    await client.close().catch(() => undefined);
  };
  return {
    listDeployments: (options) => db.listDeployments(options),
    writeState: (id, state) => db.writeState(id, state),
    writeStates: (writes) => db.writeStates(writes),
    deleteState: (id) => db.deleteState(id),
    writeWatermark: (label, watermark) => db.writeWatermark(label, watermark),
    recordJobs: (label, add, remove) => db.recordJobs(label, add, remove),
    async watchDeployments(afterRevision, listener) {
      const client = open();
      watchClients.add(client);
      try {
        const watch = await client.watchDeployments(afterRevision, {
          change: (change) => listener.change(change),
          lost: (reason) => {
            void discard(client);
            listener.lost(reason);
          },
        });
        return {
          close: async () => {
            await watch.close();
            await discard(client);
          },
        };
      } catch (error) {
        await discard(client);
        throw error;
      }
    },
    async close() {
      await Promise.all([...watchClients].map(discard));
      await db.close();
    },
  };
}

/**
 * grpc reports a failed TLS handshake as "14 UNAVAILABLE: No connection established. Last error:
 * null" (and a watch just never connects). When a call fails so, one TLS connection made here
 * finds the reason and names the setting to fix.
 */
function withTlsDiagnosis(db: ConfigDb, config: ConfigDbConfig, etcd: EtcdConfigDbOptions, probeMs: number): ConfigDb {
  const explained = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      // A watch that cannot connect is retried inside etcd3 until our bound: "timed out".
      if (!(error instanceof Error) || !/\bUNAVAILABLE\b|timed out/.test(error.message)) throw error;
      const why = await tlsProblem(config, etcd, probeMs);
      throw why === undefined ? error : new Error(`${error.message} [${why}]`);
    }
  };
  return {
    listDeployments: (options) => explained(() => db.listDeployments(options)),
    writeWatermark: (label, watermark) => explained(() => db.writeWatermark(label, watermark)),
    recordJobs: (label, add, remove) => explained(() => db.recordJobs(label, add, remove)),
    watchDeployments: (afterRevision, listener) => explained(() => db.watchDeployments(afterRevision, listener)),
    writeState: (id, state) => explained(() => db.writeState(id, state)),
    writeStates: (writes) => explained(() => db.writeStates(writes)),
    deleteState: (id) => explained(() => db.deleteState(id)),
    close: () => db.close(),
  };
}

/** Connects as grpc would; etcd's HTTP/2 settings frame right after the handshake means TLS is fine. */
function tlsProblem(config: ConfigDbConfig, etcd: EtcdConfigDbOptions, timeoutMs: number): Promise<string | undefined> {
  const { host, port } = config;
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      ALPNProtocols: ['h2'],
      ...definedOnly({ ca: etcd.ca, cert: etcd.cert, key: etcd.key }),
    });
    const done = (why: string | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    // A refused client certificate arrives as an alert after the handshake (TLS 1.3): wait for data.
    socket.once('data', () => done(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => done(`${host}:${port}: ${tlsAdvice(error, config)}`));
  });
}

function tlsAdvice(error: NodeJS.ErrnoException, config: ConfigDbConfig): string {
  const code = error.code ?? '';
  // OpenSSL's "<hex>:error:<hex>:SSL routines:<function>:<reason>:<source file>:..." -> <reason>
  const reason = error.message.replace(/^[0-9A-F]+:error:[0-9A-F]+:SSL routines:[^:]*:/, '').replace(/:\.\.\/.*$/s, '');
  if (/ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_UNKNOWN)/.test(code)) {
    return config.clientCert === undefined
      ? `TLS: ${reason}: etcd wants a client certificate: set SDP_CONFIG_CLIENT_CERT and SDP_CONFIG_CLIENT_KEY`
      : `TLS: ${reason}: etcd refused the client certificate SDP_CONFIG_CLIENT_CERT (${config.clientCert})`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `TLS: ${reason}: SDP_CONFIG_HOST must be a name or address that etcd's certificate holds`;
  if (/CERT|SIGNATURE|VERIFY|ISSUER/.test(code)) {
    return config.cert === undefined
      ? `TLS: ${reason}: set SDP_CONFIG_CERT to the CA certificate that signed etcd's certificate`
      : `TLS: ${reason}: SDP_CONFIG_CERT (${config.cert}) is not the CA that signed etcd's certificate`;
  }
  if (code === 'ECONNRESET' || code === 'ERR_SSL_WRONG_VERSION_NUMBER') return `TLS: ${reason}: is etcd serving TLS? SDP_CONFIG_PROTOCOL is https`;
  return reason;
}
