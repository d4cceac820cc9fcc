// What is wrong with a set of etcd connection settings, in the operator's words: one home for
// the rules that readConfig reports at start and openConfigDb enforces for embedders.

export interface SettingProblem {
  readonly variable: string;
  readonly problem: string;
}

export interface TlsSettings {
  readonly protocol: 'http' | 'https';
  readonly cert?: string | undefined;
  readonly clientCert?: string | undefined;
  readonly clientKey?: string | undefined;
}

export function tlsSettingProblems({ protocol, cert, clientCert, clientKey }: TlsSettings): SettingProblem[] {
  const problems: SettingProblem[] = [];
  if ((clientCert === undefined) !== (clientKey === undefined)) {
    const missing = clientCert === undefined ? 'SDP_CONFIG_CLIENT_CERT' : 'SDP_CONFIG_CLIENT_KEY';
    problems.push({ variable: missing, problem: 'SDP_CONFIG_CLIENT_CERT and SDP_CONFIG_CLIENT_KEY go together: set both or neither' });
  }
  if (protocol === 'http' && (cert ?? clientCert ?? clientKey) !== undefined) {
    problems.push({ variable: 'SDP_CONFIG_PROTOCOL', problem: 'is http, but SDP_CONFIG_CERT, SDP_CONFIG_CLIENT_CERT or SDP_CONFIG_CLIENT_KEY is set: set it to https' });
  }
  return problems;
}
