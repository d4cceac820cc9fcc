// TLS to slurmrestd as the environment sets it: a CA to trust beside the system's roots, and a
// client certificate and key for proxies that ask for one. Pure: paths only, read at start.

import type { ConfigProblem } from '../base/config-problem.js';
import { definedOnly } from '../core/defined-only.js';

export const SLURM_CA = 'SDP_SLURMDEPLOY_SLURM_CA';
export const SLURM_CLIENT_CERT = 'SDP_SLURMDEPLOY_SLURM_CLIENT_CERT';
export const SLURM_CLIENT_KEY = 'SDP_SLURMDEPLOY_SLURM_CLIENT_KEY';
export const SLURM_URL = 'SDP_SLURMDEPLOY_SLURM_URL';

/** TLS to slurmrestd beyond the system's roots (SDP_SLURMDEPLOY_SLURM_CA, _CLIENT_CERT, _CLIENT_KEY): file paths. */
export interface SlurmTlsConfig {
  /** Path of PEM CA certificate(s) slurmrestd's (or its proxy's) certificate may be signed by. */
  readonly caFile?: string;
  /** Paths of the PEM client certificate and its key, sent when the server asks for one. */
  readonly client?: { readonly certFile: string; readonly keyFile: string };
}

/** The TLS settings, or undefined when none is set; pushes what cannot work together. */
export function readSlurmTls(text: (name: string) => string | undefined, slurmUrl: string, problems: ConfigProblem[]): SlurmTlsConfig | undefined {
  const caFile = text(SLURM_CA);
  const certFile = text(SLURM_CLIENT_CERT);
  const keyFile = text(SLURM_CLIENT_KEY);
  if ((certFile === undefined) !== (keyFile === undefined)) {
    const missing = certFile === undefined ? SLURM_CLIENT_CERT : SLURM_CLIENT_KEY;
    problems.push({ variable: missing, problem: `${SLURM_CLIENT_CERT} and ${SLURM_CLIENT_KEY} go together: set both or neither` });
  }
  const set = [caFile === undefined ? undefined : SLURM_CA, certFile === undefined ? undefined : SLURM_CLIENT_CERT, keyFile === undefined ? undefined : SLURM_CLIENT_KEY].filter(
    (name): name is string => name !== undefined,
  );
  if (set.length === 0) return undefined;
  // A certificate setting over plain http would be silently unused: the operator believes in TLS that is not there.
  if (slurmUrl.startsWith('http://')) {
    problems.push({ variable: SLURM_URL, problem: `is plain http, but ${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'} set, which only https uses: use an https:// URL` });
  }
  return definedOnly({
    caFile,
    client: certFile === undefined || keyFile === undefined ? undefined : { certFile, keyFile },
  });
}
