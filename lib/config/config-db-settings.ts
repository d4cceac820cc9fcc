// The rules of the Config DB settings, in the operator's words: one home for what readConfig
// reports at start and lib/configdb enforces for embedders (openConfigDb's TLS files, the prefix).

import type { ConfigProblem } from '../base/config-problem.js';

/**
 * Like ska-sdp-config's `global_prefix`: '' or a path such as `/test-1`, prepended to every path
 * before the depth is counted (`/test-1/deploy/x` is key `3/test-1/deploy/x`).
 */
export const GLOBAL_PREFIX_PATTERN = /^(\/[A-Za-z0-9_.-]+)*$/;
/** What a prefix must look like, said to whoever set one. */
export const GLOBAL_PREFIX_RULE = 'a path like /name (segments of [A-Za-z0-9_.-], no trailing /)';

export interface TlsSettings {
  readonly protocol: 'http' | 'https';
  readonly cert?: string | undefined;
  readonly clientCert?: string | undefined;
  readonly clientKey?: string | undefined;
}

export function tlsSettingProblems({ protocol, cert, clientCert, clientKey }: TlsSettings): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if ((clientCert === undefined) !== (clientKey === undefined)) {
    const missing = clientCert === undefined ? 'SDP_CONFIG_CLIENT_CERT' : 'SDP_CONFIG_CLIENT_KEY';
    problems.push({ variable: missing, problem: 'SDP_CONFIG_CLIENT_CERT and SDP_CONFIG_CLIENT_KEY go together: set both or neither' });
  }
  if (protocol === 'http' && (cert ?? clientCert ?? clientKey) !== undefined) {
    problems.push({ variable: 'SDP_CONFIG_PROTOCOL', problem: 'is http, but SDP_CONFIG_CERT, SDP_CONFIG_CLIENT_CERT or SDP_CONFIG_CLIENT_KEY is set: set it to https' });
  }
  return problems;
}
