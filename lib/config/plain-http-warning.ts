// The one risk of SDP_SLURMDEPLOY_SLURM_URL worth a word at start: plain http to another machine
// carries the Slurm token in clear text on the network. Loopback never leaves the host.

import { BlockList, isIPv6 } from 'node:net';
import { SLURM_CA, SLURM_URL } from './slurm-tls-config.js';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
// BlockList also matches IPv4-mapped IPv6 (::ffff:127.0.0.1) against the IPv4 rule.
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether a URL's host is this machine's loopback: 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (host === 'localhost') return true;
  // WHATWG URL writes every IPv4 form (127.1, 0x7f000001) as dotted quads; names are not resolved.
  if (isIPv6(host)) return LOOPBACK.check(host, 'ipv6');
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) && LOOPBACK.check(host, 'ipv4');
}

/** The WARNING for a token sent over plain http to a host that is not loopback; undefined when there is no such risk. */
export function plainHttpWarning(slurmUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(slurmUrl);
  } catch {
    return undefined; // readConfig has refused it already
  }
  if (url.protocol !== 'http:' || isLoopbackHost(url.hostname)) return undefined;
  return (
    `${SLURM_URL} is plain http to ${url.host}, which is not this machine: the Slurm token travels in clear text ` +
    `on the network, where anyone on the path can read it and act as the deployer's Slurm user; ` +
    `use https (and ${SLURM_CA} for a private CA)`
  );
}
