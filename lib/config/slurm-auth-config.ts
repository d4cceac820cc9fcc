// How the deployer authenticates to slurmrestd, read from the environment: a JWT (or its
// file), or Entra client credentials (the secret, or its file). Errors name the variable, never a
// secret's value.

import type { ConfigProblem } from '../base/config-problem.js';
import { Secret } from '../base/secret.js';
import { FileSecret } from '../base/file-secret.js';
import { secretSetting } from './secret-setting.js';
import { definedOnly } from '../core/defined-only.js';

/**
 * How the deployer authenticates to slurmrestd (docs/configuration.md#authentication). The JWT
 * method takes a ready token (SDP_SLURMDEPLOY_SLURM_JWT), or a file holding one that may be replaced while the
 * deployer runs (SDP_SLURMDEPLOY_SLURM_JWT_FILE); the Entra ("JWKS") method obtains tokens by
 * client credentials.
 */
export type SlurmAuthConfig =
  | { readonly method: 'jwt'; readonly jwt: Secret }
  | { readonly method: 'jwt-file'; readonly jwtFile: string }
  | {
      readonly method: 'entra';
      /** SDP_SLURMDEPLOY_AZURE_URL: the authority (or its token address). */
      readonly azureUrl: string;
      /** SDP_SLURMDEPLOY_CLIENT_SECRET, or a FileSecret of SDP_SLURMDEPLOY_CLIENT_SECRET_FILE (read again when refused). */
      readonly clientSecret: Secret;
      /** SDP_SLURMDEPLOY_AZURE_SCOPE, default `<client id>/.default`. */
      readonly scope: string;
      /** SDP_SLURMDEPLOY_AZURE_CA: PEM CA certificate(s) trusted for the token server, beside the system's. */
      readonly caFile?: string;
    };

const JWT = 'SDP_SLURMDEPLOY_SLURM_JWT';
const JWT_FILE = 'SDP_SLURMDEPLOY_SLURM_JWT_FILE';
const AZURE_URL = 'SDP_SLURMDEPLOY_AZURE_URL';
const CLIENT_SECRET_VARIABLE = 'SDP_SLURMDEPLOY_CLIENT_SECRET';
const CLIENT_SECRET_EITHER = `${CLIENT_SECRET_VARIABLE} (or ${CLIENT_SECRET_VARIABLE}_FILE)`;

/** The JWT method if a token (or its file) is given, else Entra; neither complete: names what is missing. */
export function readAuth(text: (name: string) => string | undefined, clientId: string, problems: ConfigProblem[]): SlurmAuthConfig {
  const jwt = text(JWT);
  const jwtFile = text(JWT_FILE);
  if (jwt !== undefined && jwtFile !== undefined) {
    problems.push({ variable: JWT_FILE, problem: `set either ${JWT} or ${JWT_FILE}, not both` });
  }
  if (jwt !== undefined) return { method: 'jwt', jwt: new Secret(jwt) };
  if (jwtFile !== undefined) return { method: 'jwt-file', jwtFile };

  const azureUrl = text(AZURE_URL);
  const clientSecret = secretSetting(text, CLIENT_SECRET_VARIABLE, problems);
  if (azureUrl !== undefined && clientSecret !== undefined) {
    if (!/^https:\/\/[^/]+/i.test(azureUrl)) {
      problems.push({ variable: AZURE_URL, problem: `expected the https:// URL of the Entra authority (e.g. https://login.microsoftonline.com/<tenant>), got "${azureUrl}"` });
    }
    const caFile = text('SDP_SLURMDEPLOY_AZURE_CA');
    return {
      method: 'entra',
      azureUrl,
      clientSecret,
      scope: text('SDP_SLURMDEPLOY_AZURE_SCOPE') ?? `${clientId === '' ? '<client id>' : clientId}/.default`,
      ...definedOnly({ caFile }),
    };
  }
  const jwtWay = `or set ${JWT} (or ${JWT_FILE}) for the JWT method`;
  if (azureUrl !== undefined) {
    problems.push({ variable: CLIENT_SECRET_VARIABLE, problem: `required by the Entra method, which ${AZURE_URL} selects (or its file: ${CLIENT_SECRET_VARIABLE}_FILE); ${jwtWay}` });
  } else if (clientSecret !== undefined) {
    const given = clientSecret instanceof FileSecret ? clientSecret.variable : CLIENT_SECRET_VARIABLE;
    problems.push({ variable: AZURE_URL, problem: `required by the Entra method, which ${given} selects; ${jwtWay}` });
  } else {
    problems.push({ variable: JWT, problem: `no authentication: set ${JWT} (or ${JWT_FILE}), or set ${AZURE_URL} and ${CLIENT_SECRET_EITHER} for the Entra method` });
  }
  return { method: 'jwt', jwt: new Secret('') };
}
