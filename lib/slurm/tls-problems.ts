// A failed TLS connection to slurmrestd (or its proxy) said in words, with the variable to change:
// a certificate not trusted, expired or not for the host, a server that speaks no TLS, a client
// certificate asked for or refused. Node's error code stays in the text, for searching.

import { SLURM_CA, SLURM_CLIENT_CERT, SLURM_CLIENT_KEY, SLURM_URL } from '../config/slurm-tls-config.js';

export interface TlsProblem {
  readonly variable: string;
  readonly problem: string;
}

/** What the client knows of its own TLS settings, to say which one to change. */
export interface TlsContext {
  /** The slurmrestd URL's origin. */
  readonly origin: string;
  /** SDP_SLURMDEPLOY_SLURM_CA's file, when set. */
  readonly caFile?: string;
  /** Whether a client certificate is set. */
  readonly clientCertificate: boolean;
}

/** Trust: the chain does not lead to a CA the client trusts. */
const UNTRUSTED: Readonly<Record<string, string>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the CA that signed it is not trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the CA that issued it is not trusted',
  UNABLE_TO_GET_ISSUER_CERT: 'the certificate of the CA that issued it is missing',
  SELF_SIGNED_CERT_IN_CHAIN: 'its chain ends in a self-signed CA that is not trusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed, and not trusted',
  CERT_SIGNATURE_FAILURE: 'a signature in its chain does not verify',
  CERT_UNTRUSTED: 'a certificate in its chain may not be used for this',
  CERT_REJECTED: 'a certificate in its chain may not be used for this',
  INVALID_CA: 'a certificate in its chain that signs another is not a CA',
  INVALID_PURPOSE: 'a certificate in its chain is not for TLS servers',
  PATH_LENGTH_EXCEEDED: 'its chain is longer than a CA in it allows',
};

/** Validity: a certificate of the chain, trusted or not, cannot be used now. */
const INVALID: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'a certificate in its chain has expired',
  CERT_NOT_YET_VALID: 'a certificate in its chain is not valid yet (is a clock wrong?)',
  ERROR_IN_CERT_NOT_BEFORE_FIELD: 'a certificate in its chain has an unreadable start date',
  ERROR_IN_CERT_NOT_AFTER_FIELD: 'a certificate in its chain has an unreadable end date',
  CERT_REVOKED: 'a certificate in its chain is revoked',
};

/** TLS alerts from a server that wanted a (good) client certificate. */
const CLIENT_REFUSED: Readonly<Record<string, string>> = {
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'it requires a client certificate',
  // TLS 1.2 says only "handshake failure": a missing client certificate is its usual cause.
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'it ended the handshake (handshake failure), as a server that requires a client certificate does',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'it refused the client certificate (bad certificate)',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: 'it refused the client certificate (certificate unknown)',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'it does not trust the CA of the client certificate',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: 'it says the client certificate has expired',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED: 'it says the client certificate is revoked',
  ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE: 'it does not accept the kind of client certificate given',
  ERR_SSL_TLSV1_ALERT_ACCESS_DENIED: 'it denied access to the client certificate given',
};

/** The TLS problem a connection error shows, or undefined when it is none (refused, timed out...). */
export function tlsProblemOf(error: unknown, context: TlsContext): TlsProblem | undefined {
  const code = codeOf(error);
  if (code === undefined) return undefined;
  const { origin, caFile } = context;
  const trustVariable = caFile === undefined ? SLURM_URL : SLURM_CA;
  const trusted = caFile === undefined ? `set ${SLURM_CA} to the PEM file of the CA that signed it` : `it must lead to a CA in ${caFile} or among the system's roots`;
  const untrusted = UNTRUSTED[code];
  if (untrusted !== undefined) {
    return { variable: trustVariable, problem: `the certificate of ${origin} is not trusted: ${untrusted} (${code}); ${trusted}` };
  }
  const invalid = INVALID[code];
  if (invalid !== undefined) {
    return { variable: trustVariable, problem: `the certificate of ${origin} cannot be used: ${invalid} (${code}); a new certificate is needed (the server's, or the CA's${caFile === undefined ? '' : ` in ${caFile}`})` };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const reason = (error as { reason?: unknown }).reason;
    const host = new URL(origin).hostname;
    return {
      variable: SLURM_URL,
      problem: `the certificate of ${origin} is not for ${host}${typeof reason === 'string' ? ` (${reason})` : ''} (${code}); use the host name the certificate names, or a certificate that names ${host}`,
    };
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') {
    return { variable: SLURM_URL, problem: `${origin} does not speak TLS (${code}: its answer is no TLS record); if it serves plain http, say http:// (the deployer never falls back to it by itself)` };
  }
  const refused = CLIENT_REFUSED[code];
  if (refused !== undefined) {
    const fix = context.clientCertificate ? `the one in ${SLURM_CLIENT_CERT} was not accepted` : `set ${SLURM_CLIENT_CERT} and ${SLURM_CLIENT_KEY}`;
    return { variable: SLURM_CLIENT_CERT, problem: `${origin} refused the TLS connection: ${refused} (${code}); ${fix}` };
  }
  return undefined;
}

/** nginx's own answers (400, an HTML page) to a TLS problem it found with the client. */
const PROXY_ANSWERS: readonly { readonly said: string; readonly variable: string; readonly problem: (c: TlsContext) => string }[] = [
  {
    said: 'No required SSL certificate was sent',
    variable: SLURM_CLIENT_CERT,
    problem: (c) => `it requires a client certificate; ${c.clientCertificate ? `the one in ${SLURM_CLIENT_CERT} was not sent` : `set ${SLURM_CLIENT_CERT} and ${SLURM_CLIENT_KEY}`}`,
  },
  {
    said: 'The SSL certificate error',
    variable: SLURM_CLIENT_CERT,
    problem: () => `it refused the client certificate in ${SLURM_CLIENT_CERT}: not signed by a CA it trusts, expired or revoked`,
  },
  { said: 'The plain HTTP request was sent to HTTPS port', variable: SLURM_URL, problem: () => 'that port speaks https: use an https:// URL' },
];

/** A TLS proxy's refusal answered in place of slurmrestd (nginx's 400 pages), or undefined. */
export function proxyTlsRefusalOf(status: number, text: string, context: TlsContext): TlsProblem | undefined {
  if (status !== 400) return undefined;
  const known = PROXY_ANSWERS.find((a) => text.includes(a.said));
  if (known === undefined) return undefined;
  return { variable: known.variable, problem: `${context.origin} (a TLS proxy) answered HTTP 400 "${known.said}": ${known.problem(context)}` };
}

function codeOf(error: unknown): string | undefined {
  // undici passes TLS errors on as they are; a wrapper would carry them as its cause.
  for (let e: unknown = error, depth = 0; e instanceof Object && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (code in UNTRUSTED || code in INVALID || code in CLIENT_REFUSED || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_'))) return code;
  }
  return undefined;
}
