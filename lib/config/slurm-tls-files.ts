// The PEM files of TLS to slurmrestd, read once when the deployer starts and checked to be usable
// (certificates that parse, a key that belongs to its certificate), so that a wrong file is a
// setting error at start, not a handshake failing later. Messages name paths, never contents.

import { createSecureContext } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { readPem } from '../base/pem-file.js';
import { SettingError } from '../base/setting-error.js';
import { SLURM_CA, SLURM_CLIENT_CERT, SLURM_CLIENT_KEY, type SlurmTlsConfig } from './slurm-tls-config.js';
import { definedOnly } from '../core/defined-only.js';

/** TLS to slurmrestd as the files gave it: PEM contents, checked to be usable. */
export interface SlurmTlsMaterial {
  /** CA certificate(s) trusted beside the system's roots, and their file (for messages). */
  readonly ca?: { readonly pem: Buffer; readonly file: string };
  /** The client certificate and its key (secret: never printed). */
  readonly client?: { readonly cert: Buffer; readonly key: Buffer };
}

/** The files' contents; a SettingError naming the variable when one cannot be used. */
export function loadSlurmTls(config: SlurmTlsConfig | undefined): SlurmTlsMaterial | undefined {
  if (config === undefined) return undefined;
  const ca = config.caFile === undefined ? undefined : { pem: readCaFile(config.caFile), file: config.caFile };
  const client = config.client === undefined ? undefined : readClientPair(config.client.certFile, config.client.keyFile);
  return definedOnly({ ca, client });
}

function readCaFile(file: string): Buffer {
  const pem = readPem(SLURM_CA, file, 'certificate');
  const text = pem.toString('latin1');
  // A key has no business in a file of trusted certificates (and this variable is not treated as secret).
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new SettingError(SLURM_CA, `${file} holds a private key: it must hold only the CA certificate(s); a client certificate and key go in ${SLURM_CLIENT_CERT} and ${SLURM_CLIENT_KEY}`);
  }
  // OpenSSL skips a certificate it cannot parse without a word: the trust would silently be less.
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----/g) ?? [];
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch {
      throw new SettingError(SLURM_CA, `certificate ${index + 1} of ${blocks.length} in ${file} cannot be read (not a valid PEM certificate)`);
    }
  });
  return pem;
}

function readClientPair(certFile: string, keyFile: string): { cert: Buffer; key: Buffer } {
  const cert = readPem(SLURM_CLIENT_CERT, certFile, 'certificate');
  const key = readPem(SLURM_CLIENT_KEY, keyFile, 'key');
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH') {
      throw new SettingError(SLURM_CLIENT_KEY, `${keyFile} is not the key of the certificate in ${certFile} (${SLURM_CLIENT_CERT})`);
    }
    // An encrypted key (no passphrase can be given) or an unreadable certificate; the code only, never OpenSSL's text about the key.
    throw new SettingError(SLURM_CLIENT_KEY, `${keyFile} and ${certFile} cannot be used as a client certificate (${typeof code === 'string' ? code : 'unreadable'}); an encrypted key is not supported`);
  }
  return { cert, key };
}
