// Slurm and token troubles in the operator's words, for the log and for `status`/`plan`: which
// address was tried, which variables to check. The failure's own text (already free of secrets)
// is kept in brackets at the end; a URL is printed without credentials or query. Pure.

import type { Failure } from '../core/failure.js';
import type { TokenLogMethod } from '../auth/token-log-line.js';

/** The variables that give the deployer its Slurm token, per method. */
export function tokenVariables(method: TokenLogMethod): string {
  switch (method) {
    case 'jwt':
      return 'SDP_SLURMDEPLOY_SLURM_JWT, SDP_SLURMDEPLOY_CLIENT_ID';
    case 'jwt-file':
      return 'SDP_SLURMDEPLOY_SLURM_JWT_FILE, SDP_SLURMDEPLOY_CLIENT_ID';
    case 'entra':
      return 'SDP_SLURMDEPLOY_AZURE_URL, SDP_SLURMDEPLOY_CLIENT_ID, SDP_SLURMDEPLOY_CLIENT_SECRET, SDP_SLURMDEPLOY_AZURE_SCOPE';
  }
}

/** A Slurm request that failed: slurmrestd out of reach (or failing), or the token refused. */
export function slurmTrouble(failure: Failure, slurmUrl: string, method: TokenLogMethod): string {
  const at = `slurmrestd at ${printableUrl(slurmUrl)}`;
  if (failure.kind === 'auth') {
    return `${at} refused the Slurm token (${tokenVariables(method)}): check that the token is valid, not expired, and issued for the user SDP_SLURMDEPLOY_CLIENT_ID names ${detail('slurm', failure.message)}`;
  }
  return `cannot reach ${at} (SDP_SLURMDEPLOY_SLURM_URL): check that slurmrestd runs there and slurmctld behind it, and that the URL is right ${detail('slurm', failure.message)}`;
}

/** Where tokens come from failed to give one: the token server (Entra), or the token file. */
export function tokenSourceTrouble(failure: Failure, method: TokenLogMethod, where: string | undefined): string {
  switch (method) {
    case 'entra':
      return `cannot get a Slurm token from the token server${where === undefined ? '' : ` at ${printableUrl(where)}`} (${tokenVariables(method)}): check that it is reachable and accepts the client id and secret ${detail('token server', failure.message)}`;
    case 'jwt-file':
      return `cannot read a Slurm token${where === undefined ? '' : ` from ${where}`} (SDP_SLURMDEPLOY_SLURM_JWT_FILE): check that the file exists, is readable and holds a token ${detail('token file', failure.message)}`;
    case 'jwt':
      return `no usable Slurm token (SDP_SLURMDEPLOY_SLURM_JWT) ${detail('token', failure.message)}`;
  }
}

/** A URL without user, password, query or fragment: what an operator needs to find the server. */
export function printableUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(an unreadable URL)';
  }
}

function detail(who: string, message: string): string {
  const one = message.replace(/\s+/g, ' ').trim();
  return `[${who}: ${one.length > 200 ? `${one.slice(0, 200)}...` : one}]`;
}
