// Config DB errors in the operator's words. etcd3 says "circuit breaker is open" or
// "14 UNAVAILABLE: No connection established"; the operator needs to hear which address could
// not be reached and what to check. Pure.

import { messageOf } from '../core/error-message.js';

export interface ConfigDbAddress {
  readonly host: string;
  readonly port: number | string;
}

/**
 * What went wrong with the Config DB and what to do; the library's own text is kept at the end.
 * `retrying`: the caller tries again (the deployer), else it gives up (`status`, `plan`).
 */
export function explainConfigDbError(error: unknown, address?: ConfigDbAddress, retrying = true): string {
  const { sentence, raw } = describeConfigDbError(error, address, retrying);
  return `${sentence} [etcd client: ${clip(raw)}]`;
}

export interface ConfigDbTrouble {
  /** What failed, where, and what to check, in the operator's words. */
  readonly sentence: string;
  /** The etcd client's own text (gRPC's, as a rule): for a log field, not for the sentence. */
  readonly raw: string;
}

/**
 * The sentence alone, for the outage log and for `status`/`plan`: a cause it knows is said without
 * the client's text (`14 UNAVAILABLE ...`); one it does not know keeps it, in brackets.
 */
export function describeConfigDbError(error: unknown, address?: ConfigDbAddress, retrying = true): ConfigDbTrouble {
  const raw = messageOf(error);
  const again = retrying ? '; retrying' : '';
  const where = address === undefined ? 'etcd (SDP_CONFIG_HOST:SDP_CONFIG_PORT)' : `etcd at ${address.host}:${address.port} (SDP_CONFIG_HOST, SDP_CONFIG_PORT)`;
  const text = raw.toLowerCase();
  const said = (sentence: string): ConfigDbTrouble => ({ sentence, raw });
  if (/circuit breaker is open|no connection established|econnrefused|unavailable|connect failed|failed to connect|ehostunreach|enotfound|eai_again|socket hang up|deadline|timed out|etimedout/.test(text)) {
    return said(`cannot reach ${where}: check that etcd runs there and that the address, port and protocol (SDP_CONFIG_PROTOCOL) are right${again}`);
  }
  if (/auth|permission denied|invalid user|password/.test(text)) {
    return said(`${where} refused the credentials: check SDP_CONFIG_USERNAME and SDP_CONFIG_PASSWORD (or the file SDP_CONFIG_PASSWORD_FILE names)${again}`);
  }
  if (/certificate|ssl|tls|handshake/.test(text)) {
    return said(`cannot establish TLS with ${where}: check SDP_CONFIG_PROTOCOL, SDP_CONFIG_CERT and the client certificate${again}`);
  }
  if (/compact/.test(text)) return said("the Config DB watch fell behind etcd's compaction: listing again");
  return said(`the Config DB, ${where}, failed${again} [etcd client: ${clip(raw)}]`);
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? `${one.slice(0, 200)}...` : one;
}
