// TLS to slurmrestd for its undici pool: the CA trusted beside the system's roots and the client
// certificate, and the error a request rejects with when TLS fails, naming the variable to change.

import { rootCertificates } from 'node:tls';
import type { SlurmTlsMaterial } from '../config/slurm-tls-files.js';
import type { SlurmOperation } from './failure-classification.js';
import { SlurmRequestError } from './slurm-api.js';
import type { TlsContext, TlsProblem } from './tls-problems.js';

export interface TlsConnectOptions {
  readonly ca?: (string | Buffer)[];
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** undici's `connect` TLS options; none given: Node's default roots and no client certificate. */
export function tlsConnectOptions(tls: SlurmTlsMaterial | undefined): TlsConnectOptions {
  return {
    // A `ca` replaces Node's roots instead of adding to them: both are given.
    ...(tls?.ca === undefined ? {} : { ca: [...rootCertificates, tls.ca.pem] }),
    ...(tls?.client === undefined ? {} : { cert: tls.client.cert, key: tls.client.key }),
  };
}

export function tlsContextOf(baseUrl: string, tls: SlurmTlsMaterial | undefined): TlsContext {
  return { origin: new URL(baseUrl).origin, clientCertificate: tls?.client !== undefined, ...(tls?.ca === undefined ? {} : { caFile: tls.ca.file }) };
}

/**
 * A request that failed for TLS: a setting to change, never a reason to try plain http. Kind
 * permanent while connecting (`discover`: the deployer stops with exit 2 rather than wait for a
 * certificate to change), transient later (nothing reached slurmrestd; a deployment must not fail
 * for a certificate rotated under a running deployer: it is retried, each failure logged).
 */
export class SlurmTlsError extends SlurmRequestError {
  readonly variable: string;
  readonly problem: string;

  constructor(operation: SlurmOperation, found: TlsProblem) {
    super({ kind: operation === 'discover' ? 'permanent' : 'transient', message: `${operation}: ${found.variable}: ${found.problem}` });
    this.variable = found.variable;
    this.problem = found.problem;
  }
}
