// Config DB errors in the operator's words. etcd3 says "circuit breaker is open" or
// "14 UNAVAILABLE: No connection established"; the operator needs to hear which address could
// not be reached and what to check. Pure.

import { messageOf } from '../lib/core/error-message.js';

export interface ConfigDbAddress {
  readonly host: string;
  readonly port: number | string;
}

/**
 * What went wrong with the Config DB and what to do; the library's own text is kept at the end.
 * `retrying`: the caller tries again (the deployer), else it gives up (`status`, `plan`).
 */
export function explainConfigDbError(error: unknown, address?: ConfigDbAddress, retrying = true): string {
  const raw = messageOf(error);
  const again = retrying ? '; retrying' : '';
  const where = address === undefined ? 'etcd (SDP_CONFIG_HOST:SDP_CONFIG_PORT)' : `etcd at ${address.host}:${address.port} (SDP_CONFIG_HOST, SDP_CONFIG_PORT)`;
  const text = raw.toLowerCase();
  const detail = `[etcd client: ${clip(raw)}]`;
  if (/circuit breaker is open|no connection established|econnrefused|unavailable|connect failed|failed to connect|ehostunreach|enotfound|eai_again|socket hang up|deadline|timed out|etimedout/.test(text)) {
    return `cannot reach ${where}: check that etcd runs there and that the address, port and protocol (SDP_CONFIG_PROTOCOL) are right${again} ${detail}`;
  }
  if (/auth|permission denied|invalid user|password/.test(text)) {
    return `${where} refused the credentials: check SDP_CONFIG_USERNAME and SDP_CONFIG_PASSWORD (or the file SDP_CONFIG_PASSWORD_FILE names)${again} ${detail}`;
  }
  if (/certificate|ssl|tls|handshake/.test(text)) {
    return `cannot establish TLS with ${where}: check SDP_CONFIG_PROTOCOL, SDP_CONFIG_CERT and the client certificate${again} ${detail}`;
  }
  if (/compact/.test(text)) return `the Config DB watch fell behind etcd's compaction: listing again ${detail}`;
  return `the Config DB, ${where}, failed${again} ${detail}`;
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? `${one.slice(0, 200)}...` : one;
}
