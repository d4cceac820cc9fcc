// The PEM files settings name (etcd's CA, client certificate and key; the token server's CA), read
// once when the deployer starts and checked to hold what their variable says.

import { readFileSync } from 'node:fs';
import { SettingError } from './setting-error.js';

/** What a PEM file must hold: CA certificate(s) (and no key), a certificate, or a private key. */
export type PemHolds = 'ca' | 'certificate' | 'key';

/**
 * Reads a PEM file and checks that it holds what its variable says; a SettingError when not, and
 * undefined for a setting not set. Messages name the variable and the path, never the content
 * (a key is secret).
 */
export function readPem(variable: string, path: string, holds: PemHolds): Buffer;
export function readPem(variable: string, path: string | undefined, holds: PemHolds): Buffer | undefined;
export function readPem(variable: string, path: string | undefined, holds: PemHolds): Buffer | undefined {
  if (path === undefined) return undefined;
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new SettingError(variable, `cannot read ${path} (${code})`);
  }
  const text = pem.toString('latin1');
  const hasCertificate = text.includes('-----BEGIN CERTIFICATE-----');
  const hasKey = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text);
  if (holds === 'ca' && hasKey) {
    // ska-sdp-config hands SDP_CONFIG_CERT to etcd3-py as the client certificate; here it is the CA.
    throw new SettingError(
      variable,
      `${path} holds a private key: SDP_CONFIG_CERT names the CA certificate(s) that etcd's server certificate is checked against; give a client certificate and key in SDP_CONFIG_CLIENT_CERT and SDP_CONFIG_CLIENT_KEY`,
    );
  }
  if (holds !== 'key' && !hasCertificate) throw new SettingError(variable, `${path} holds no PEM certificate`);
  if (holds === 'key' && !hasKey) throw new SettingError(variable, `${path} holds no PEM private key`);
  return pem;
}
