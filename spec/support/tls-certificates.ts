// Throwaway certificates for specs of TLS to slurmrestd, made by openssl in a temporary folder:
// a CA, a server certificate for 127.0.0.1 only (so https://localhost is a name mismatch), an
// expired one, a client certificate of the CA, and a second CA with a client certificate of its
// own (trusted by nobody).

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TlsCertificates {
  readonly dir: string;
  /** The CA that signed the server and client certificates (PEM). */
  readonly caFile: string;
  /** Another CA, which signed nothing the servers present. */
  readonly otherCaFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** For 127.0.0.1 too, with the server's key, signed by the CA, but its end date is past. */
  readonly expiredCertFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** A client certificate and key of the other CA. */
  readonly strangerCertFile: string;
  readonly strangerKeyFile: string;
  remove(): Promise<void>;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function makeTlsCertificates(): Promise<TlsCertificates> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sdp-slurm-tls-'));
  const file = (name: string) => path.join(dir, name);
  const ca = async (name: string, subject: string) =>
    run('openssl', ['req', '-x509', ...EC, '-keyout', file(`${name}.key`), '-out', file(`${name}.pem`), '-days', '2', '-subj', subject,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const sign = (request: string, by: string, out: string, extensions: string, days: string) =>
    run('openssl', ['x509', '-req', '-in', file(`${request}.csr`), '-CA', file(`${by}.pem`), '-CAkey', file(`${by}.key`), '-CAcreateserial',
      '-out', file(`${out}.pem`), '-days', days, '-extfile', file(`${extensions}.ext`)]);
  const signed = async (name: string, by: string, subject: string, extensions: string) => {
    await run('openssl', ['req', ...EC, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject]);
    await writeFile(file(`${name}.ext`), extensions);
    await sign(name, by, name, name, '2');
  };
  const serverExt = 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n';
  const clientExt = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n';
  await ca('ca', '/CN=sdp-slurm-deployer TLS spec CA');
  await ca('other-ca', '/CN=sdp-slurm-deployer TLS spec other CA');
  await signed('server', 'ca', '/CN=127.0.0.1', serverExt);
  // The server's key, its end date a day before its start (openssl 3 takes -days -1): expired.
  await sign('server', 'ca', 'expired', 'server', '-1');
  await signed('client', 'ca', '/CN=sdp-slurm-deployer', clientExt);
  await signed('stranger', 'other-ca', '/CN=stranger', clientExt);
  return {
    dir,
    caFile: file('ca.pem'),
    otherCaFile: file('other-ca.pem'),
    serverCertFile: file('server.pem'),
    serverKeyFile: file('server.key'),
    expiredCertFile: file('expired.pem'),
    clientCertFile: file('client.pem'),
    clientKeyFile: file('client.key'),
    strangerCertFile: file('stranger.pem'),
    strangerKeyFile: file('stranger.key'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
