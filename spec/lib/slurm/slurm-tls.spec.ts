// slurm-http over TLS against local https servers (certificates made by openssl): the CA of
// SDP_SLURMDEPLOY_SLURM_CA trusted beside the system's roots, a client certificate sent when
// asked for, and every TLS failure rejected with the variable to change and the certificate
// problem in words, before any request reaches the server and without trying plain http.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SecureVersion } from 'node:tls';
import { staticJwtProvider } from '../../../lib/auth/static-jwt.js';
import { Secret } from '../../../lib/base/secret.js';
import { loadSlurmTls } from '../../../lib/config/slurm-tls-files.js';
import type { SlurmTlsConfig } from '../../../lib/config/slurm-tls-config.js';
import type { SlurmOperation } from '../../../lib/slurm/failure-classification.js';
import { createSlurmHttp } from '../../../lib/slurm/slurm-http.js';
import { SlurmTlsError } from '../../../lib/slurm/slurm-tls.js';
import { makeTlsCertificates, type TlsCertificates } from '../../support/tls-certificates.js';

interface Server {
  readonly port: number;
  /** Requests that reached the server's handler. */
  readonly requests: string[];
  close(): Promise<void>;
}

async function listen(server: http.Server | https.Server, requests: string[]): Promise<Server> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A JSON answer to every request, or `answer`'s. */
type Answer = (res: http.ServerResponse) => void;
const json: Answer = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');

async function httpsServer(certs: TlsCertificates, options: { cert?: string; clientCa?: string; maxVersion?: SecureVersion; answer?: Answer } = {}): Promise<Server> {
  const requests: string[] = [];
  const server = https.createServer(
    {
      cert: readFileSync(options.cert ?? certs.serverCertFile),
      key: readFileSync(certs.serverKeyFile),
      ...(options.clientCa === undefined ? {} : { requestCert: true, rejectUnauthorized: true, ca: readFileSync(options.clientCa) }),
      ...(options.maxVersion === undefined ? {} : { maxVersion: options.maxVersion }),
    },
    (req, res) => {
      requests.push(`${req.method} ${req.url}`);
      (options.answer ?? json)(res);
    },
  );
  return listen(server, requests);
}

const credentials = staticJwtProvider('slurmjob', new Secret('eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJzbHVybWpvYiJ9.c2lnbmF0dXJl'));

/** One request through slurm-http: its status, or its rejection. */
async function call(url: string, tls: SlurmTlsConfig | undefined, operation: SlurmOperation = 'discover'): Promise<{ status?: number; error?: unknown }> {
  const client = createSlurmHttp({ baseUrl: url, credentials, ...(tls === undefined ? {} : { tls: loadSlurmTls(tls)! }), timeouts: { connectMs: 3000 } });
  try {
    const answer = await client.call(operation, 'GET', '/openapi/v3');
    return { status: answer.status };
  } catch (error) {
    return { error };
  } finally {
    await client.close();
  }
}

function tlsError(outcome: { status?: number; error?: unknown }): SlurmTlsError {
  expect(outcome.error, `an answer came: HTTP ${outcome.status}`).to.be.instanceOf(SlurmTlsError);
  return outcome.error as SlurmTlsError;
}

describe('slurm-http over TLS', function () {
  this.timeout(20_000);
  let certs: TlsCertificates;
  let server: Server;

  before(async () => {
    certs = await makeTlsCertificates();
    server = await httpsServer(certs);
  });

  after(async () => {
    await server?.close();
    await certs?.remove();
  });

  it('trusts the CA of SDP_SLURMDEPLOY_SLURM_CA', async () => {
    const before = server.requests.length;
    expect(await call(`https://127.0.0.1:${server.port}`, { caFile: certs.caFile })).to.deep.equal({ status: 200 });
    expect(server.requests.slice(before)).to.deep.equal(['GET /openapi/v3']);
  });

  it('without it, names SDP_SLURMDEPLOY_SLURM_URL and says how to trust the CA; nothing reaches the server', async () => {
    const before = server.requests.length;
    const error = tlsError(await call(`https://127.0.0.1:${server.port}`, undefined));
    expect(error.variable).to.equal('SDP_SLURMDEPLOY_SLURM_URL');
    expect(error.problem).to.equal(
      `the certificate of https://127.0.0.1:${server.port} is not trusted: the CA that signed it is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE); set SDP_SLURMDEPLOY_SLURM_CA to the PEM file of the CA that signed it`,
    );
    expect(server.requests.length).to.equal(before);
  });

  it('with the wrong CA, names SDP_SLURMDEPLOY_SLURM_CA and its file', async () => {
    const error = tlsError(await call(`https://127.0.0.1:${server.port}`, { caFile: certs.otherCaFile }));
    expect(error.variable).to.equal('SDP_SLURMDEPLOY_SLURM_CA');
    expect(error.problem).to.contain('(UNABLE_TO_VERIFY_LEAF_SIGNATURE)');
    expect(error.problem).to.contain(`it must lead to a CA in ${certs.otherCaFile} or among the system's roots`);
  });

  it('refuses an expired certificate, saying so', async () => {
    const expired = await httpsServer(certs, { cert: certs.expiredCertFile });
    try {
      const error = tlsError(await call(`https://127.0.0.1:${expired.port}`, { caFile: certs.caFile }));
      expect(error.variable).to.equal('SDP_SLURMDEPLOY_SLURM_CA');
      expect(error.problem).to.contain('a certificate in its chain has expired (CERT_HAS_EXPIRED)');
      expect(expired.requests).to.deep.equal([]);
    } finally {
      await expired.close();
    }
  });

  it('refuses a certificate that is not for the host of the URL, naming SDP_SLURMDEPLOY_SLURM_URL', async () => {
    const error = tlsError(await call(`https://localhost:${server.port}`, { caFile: certs.caFile }));
    expect(error.variable).to.equal('SDP_SLURMDEPLOY_SLURM_URL');
    expect(error.problem).to.match(/^the certificate of https:\/\/localhost:\d+ is not for localhost \(.*localhost.*\) \(ERR_TLS_CERT_ALTNAME_INVALID\)/);
  });

  it('an https URL to a plain http server fails, and no request is made to it in clear text', async () => {
    const requests: string[] = [];
    const plain = await listen(
      http.createServer((req, res) => {
        requests.push(`${req.method} ${req.url}`);
        json(res);
      }),
      requests,
    );
    try {
      const error = tlsError(await call(`https://127.0.0.1:${plain.port}`, undefined));
      expect(error.variable).to.equal('SDP_SLURMDEPLOY_SLURM_URL');
      expect(error.problem).to.contain('does not speak TLS (ERR_SSL_WRONG_VERSION_NUMBER');
      expect(requests).to.deep.equal([]);
    } finally {
      await plain.close();
    }
  });

  it('is permanent while connecting (discover) and transient later: a submit it failed is no unknown outcome', async () => {
    const url = `https://127.0.0.1:${server.port}`;
    expect(tlsError(await call(url, undefined, 'discover')).failure).to.include({ kind: 'permanent' });
    const submit = tlsError(await call(url, undefined, 'submit'));
    expect(submit.failure.kind).to.equal('transient');
    expect(submit.failure.message).to.match(/^submit: SDP_SLURMDEPLOY_SLURM_URL: the certificate of /);
  });

  describe('a server that requires a client certificate (TLS 1.2)', () => {
    let strict: Server;
    before(async () => {
      strict = await httpsServer(certs, { clientCa: certs.caFile, maxVersion: 'TLSv1.2' });
    });
    after(async () => strict?.close());

    it('is answered with the certificate and key of SDP_SLURMDEPLOY_SLURM_CLIENT_CERT and _KEY', async () => {
      const client = { certFile: certs.clientCertFile, keyFile: certs.clientKeyFile };
      expect(await call(`https://127.0.0.1:${strict.port}`, { caFile: certs.caFile, client })).to.deep.equal({ status: 200 });
    });

    it('without one, fails naming SDP_SLURMDEPLOY_SLURM_CLIENT_CERT', async () => {
      const before = strict.requests.length;
      const error = tlsError(await call(`https://127.0.0.1:${strict.port}`, { caFile: certs.caFile }));
      expect(error.variable).to.equal('SDP_SLURMDEPLOY_SLURM_CLIENT_CERT');
      expect(error.problem).to.contain('(ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE); set SDP_SLURMDEPLOY_SLURM_CLIENT_CERT and SDP_SLURMDEPLOY_SLURM_CLIENT_KEY');
      expect(strict.requests.length).to.equal(before);
    });
  });

  it("reads nginx's refusals (400 pages) as TLS problems, not as Slurm's answer", async () => {
    const page = (title: string): Answer => (res) =>
      res.writeHead(400, { 'content-type': 'text/html' }).end(`<html>\r\n<head><title>400 ${title}</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>${title}</center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n`);
    const noCert = await httpsServer(certs, { answer: page('No required SSL certificate was sent') });
    const badCert = await httpsServer(certs, { answer: page('The SSL certificate error') });
    const other = await httpsServer(certs, { answer: page('Request Header Or Cookie Too Large') });
    try {
      const missing = tlsError(await call(`https://127.0.0.1:${noCert.port}`, { caFile: certs.caFile }, 'submit'));
      expect(missing.variable).to.equal('SDP_SLURMDEPLOY_SLURM_CLIENT_CERT');
      expect(missing.failure.kind).to.equal('transient');
      expect(missing.problem).to.contain('answered HTTP 400 "No required SSL certificate was sent": it requires a client certificate; set SDP_SLURMDEPLOY_SLURM_CLIENT_CERT');
      const refused = tlsError(await call(`https://127.0.0.1:${badCert.port}`, { caFile: certs.caFile }));
      expect(refused.problem).to.contain('it refused the client certificate in SDP_SLURMDEPLOY_SLURM_CLIENT_CERT');
      // http:// to nginx's https port: its own 400 page, the URL to blame.
      const requests: string[] = [];
      const plainPort = await listen(http.createServer((_req, res) => page('The plain HTTP request was sent to HTTPS port')(res)), requests);
      try {
        const wrongScheme = tlsError(await call(`http://127.0.0.1:${plainPort.port}`, undefined));
        expect(wrongScheme.variable).to.equal('SDP_SLURMDEPLOY_SLURM_URL');
        expect(wrongScheme.problem).to.contain('"The plain HTTP request was sent to HTTPS port": that port speaks https: use an https:// URL');
      } finally {
        await plainPort.close();
      }
      // Any other 400 is an answer, for the caller to classify.
      expect(await call(`https://127.0.0.1:${other.port}`, { caFile: certs.caFile })).to.deep.equal({ status: 400 });
    } finally {
      await Promise.all([noCert.close(), badCert.close(), other.close()]);
    }
  });
});
