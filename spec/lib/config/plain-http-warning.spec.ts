// The start-up WARNING for a Slurm token sent over plain http to a host that is not loopback.

import { expect } from 'chai';
import { isLoopbackHost, plainHttpWarning } from '../../../lib/config/plain-http-warning.js';

describe('the plain-http WARNING', () => {
  const hostOf = (url: string) => new URL(url).hostname;

  it('is silent for loopback: 127.0.0.0/8 in any IPv4 form, ::1 (also IPv4-mapped) and localhost', () => {
    for (const url of ['http://127.0.0.1:16820', 'http://127.200.3.4:6820/slurm', 'http://127.1:6820', 'http://0x7f000001:6820', 'http://[::1]:6820', 'http://[0:0:0:0:0:0:0:1]:6820', 'http://[::ffff:127.0.0.1]:6820', 'http://localhost:6820', 'http://LocalHost.:6820']) {
      expect(isLoopbackHost(hostOf(url)), url).to.equal(true);
      expect(plainHttpWarning(url), url).to.equal(undefined);
    }
  });

  it('speaks for any other host over http, naming the risk and the way out', () => {
    for (const url of ['http://slurmrestd:6820', 'http://10.0.0.5:6820', 'http://128.0.0.1:6820', 'http://[::2]:6820', 'http://[::ffff:10.0.0.1]:6820', 'http://localhost.example.org:6820', 'http://127.0.0.1.nip.io:6820', 'http://0.0.0.0:6820']) {
      expect(isLoopbackHost(hostOf(url)), url).to.equal(false);
      const warning = plainHttpWarning(url);
      expect(warning, url).to.be.a('string');
      expect(warning).to.contain(`plain http to ${new URL(url).host}`);
      expect(warning).to.contain('the Slurm token travels in clear text on the network');
      expect(warning).to.contain('use https (and SDP_SLURMDEPLOY_SLURM_CA for a private CA)');
    }
  });

  it('is silent for https, whatever the host', () => {
    expect(plainHttpWarning('https://slurmrestd.example:6820')).to.equal(undefined);
    expect(plainHttpWarning('https://10.0.0.5')).to.equal(undefined);
  });
});
