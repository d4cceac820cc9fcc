// The Entra client secret from SDP_SLURMDEPLOY_CLIENT_SECRET_FILE against a real OAuth2/OIDC
// server on loopback (oauth2-mock-server): read at start, read again only after the server
// refused it, so that a rotated Kubernetes Secret is taken up without a restart; and never in
// an error or a log line, refused or not.

import { expect } from 'chai';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultEntraScope, entraTokenSource, secretRefused, type EntraTokenSource } from '../../../lib/auth/entra.js';
import { TokenSourceError } from '../../../lib/auth/token-provider.js';
import { FileSecret } from '../../../lib/base/file-secret.js';
import { SettingError } from '../../../lib/base/setting-error.js';
import { createLogger } from '../../../streams/ops/log.js';
import { keepSlurmToken } from '../../../streams/clients/slurm-token-keeper.js';
import { logTokenEvent } from '../../../streams/ops/token-log.js';
import { eventually } from '../../support/eventually.js';
import { makeThrowawayTls, type ThrowawayTls } from '../../support/throwaway-tls.js';
import { startTokenServer, type TokenServer } from '../../support/token-server.js';

const VARIABLE = 'SDP_SLURMDEPLOY_CLIENT_SECRET_FILE';

describe('entraTokenSource with SDP_SLURMDEPLOY_CLIENT_SECRET_FILE', function () {
  this.timeout(30_000);
  const right = `right-${randomBytes(12).toString('hex')}`;
  const old = `old-${randomBytes(12).toString('hex')}`;
  let tls: ThrowawayTls;
  let server: TokenServer;
  let dir: string;
  let file: string;
  const sources: EntraTokenSource[] = [];
  const source = () => {
    const s = entraTokenSource({ azureUrl: server.url, clientId: 'slurmjob', clientSecret: new FileSecret(VARIABLE, file), scope: defaultEntraScope('slurmjob'), ca: tls.caPem });
    sources.push(s);
    return s;
  };
  const failureOf = async (s: EntraTokenSource): Promise<string> => {
    const error = await s.obtain().then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(TokenSourceError);
    const message = (error as TokenSourceError).failure.message;
    for (const secret of [right, old]) expect(message).not.to.contain(secret);
    return message;
  };
  /** The answers the server gave from `from` on: 200 or 401. */
  const statuses = (from: number) => server.issued.slice(from).map((r) => r.status);

  before(async () => {
    tls = await makeThrowawayTls();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    server = await startTokenServer({
      tls,
      clientId: 'slurmjob',
      clientSecret: right,
      sun: 'slurmjob',
      lifetimeSeconds: 60,
      signingKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      kid: 'spec-key',
    });
    dir = await mkdtemp(path.join(tmpdir(), 'sdp-secret-file-'));
  });

  beforeEach(() => {
    file = path.join(dir, `client-secret-${randomBytes(4).toString('hex')}`);
  });

  after(async () => {
    await Promise.all(sources.map((s) => s.close()));
    await server?.close();
    await tls?.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it('a refused secret: the file is read again at the next attempt, which succeeds once it was rewritten', async () => {
    await writeFile(file, `${old}\n`);
    const s = source();
    const from = server.issued.length;
    const message = await failureOf(s);
    expect(message).to.match(/^no token from https:\/\/127\.0\.0\.1:\d+ \(client credentials\): invalid_client: .*AADSTS7000215/);
    expect(message).to.contain(`(the secret of ${VARIABLE}, ${file}: read again at the next attempt)`);
    // Still the old secret in the file: refused again (it was read again, and is the same).
    await failureOf(s);
    // Kubernetes rewrites the mounted Secret (with the newline `echo` leaves).
    await writeFile(file, `${right}\n`);
    const token = await s.obtain();
    expect(token.token.reveal()).to.equal(server.issued.at(-1)?.token);
    expect(statuses(from)).to.deep.equal([401, 401, 200]);
  });

  it('a secret that works is not read again: a file rewritten meanwhile changes nothing until a refusal', async () => {
    await writeFile(file, right);
    const s = source();
    const from = server.issued.length;
    await s.obtain();
    // A wrong value written now is not taken up: no refusal, no reading.
    await writeFile(file, old);
    await s.obtain();
    await s.obtain();
    expect(statuses(from)).to.deep.equal([200, 200, 200]);
  });

  it('a file that cannot be read after a refusal: the failure names the variable and the path, and the next attempt reads it again', async () => {
    await writeFile(file, old);
    const s = source();
    await failureOf(s);
    await rm(file);
    expect(await failureOf(s)).to.match(new RegExp(`^no token from https://127\\.0\\.0\\.1:\\d+: the client secret was refused, and ${VARIABLE}: cannot read ${escape(file)} \\(ENOENT\\)$`));
    await writeFile(file, '  \n');
    expect(await failureOf(s)).to.match(new RegExp(`and ${VARIABLE}: ${escape(file)} is empty$`));
    await writeFile(file, right);
    expect((await s.obtain()).token.reveal()).to.match(/^ey/);
  });

  it('a file that cannot be read at start: a SettingError naming the variable and the path (exit 2)', async () => {
    const missing = path.join(dir, 'missing');
    expect(() => entraTokenSource({ azureUrl: server.url, clientId: 'slurmjob', clientSecret: new FileSecret(VARIABLE, missing), scope: 's' })).to.throw(
      SettingError,
      `${VARIABLE}: cannot read ${missing} (ENOENT)`,
    );
    const folder = path.join(dir, 'a-folder');
    await mkdir(folder);
    expect(() => entraTokenSource({ azureUrl: server.url, clientId: 'slurmjob', clientSecret: new FileSecret(VARIABLE, folder), scope: 's' })).to.throw(
      SettingError,
      `${VARIABLE}: cannot read ${folder} (EISDIR)`,
    );
  });

  it('through the token stream and the log: refused, rewritten, obtained, and neither secret in any log line', async () => {
    await writeFile(file, `${old}\n`);
    const lines: string[] = [];
    const log = createLogger({ level: 'DEBUG', write: (line) => lines.push(line) });
    const tokens = keepSlurmToken(source(), { backoff: { baseMs: 200, maxMs: 400 } });
    tokens.events.subscribe((event) => logTokenEvent(log, 'entra', event));
    try {
      const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      await eventually('two refusals logged', async () => (parsed().filter((l) => l['message'] === 'Slurm token refresh failed').length >= 2 ? true : undefined), 10_000);
      await writeFile(file, right);
      // The first token after failures is logged as a refresh (reason retry).
      const obtained = await eventually('a token', async () => parsed().find((l) => l['message'] === 'new Slurm token issued by the token server; Slurm has not checked it yet'), 10_000);
      expect(obtained).to.include({ level: 'INFO', method: 'entra', reason: 'retry' });
      const refusals = parsed().filter((l) => l['message'] === 'Slurm token refresh failed');
      for (const refusal of refusals) expect(refusal).to.include({ level: 'WARNING', kind: 'auth' });
      expect(String(refusals[0]!['error'])).to.contain('AADSTS7000215').and.to.contain(VARIABLE);
      for (const line of lines) for (const secret of [old, right]) expect(line).not.to.contain(secret);
      const token = tokens.current()?.reveal() ?? '';
      expect(token).to.match(/^ey/);
      for (const line of lines) expect(line).not.to.contain(token);
    } finally {
      tokens.close();
    }
  });
});

describe('secretRefused', () => {
  const serverError = (errorCode: string, errorMessage: string) => Object.assign(new Error(`${errorCode}: ${errorMessage}`), { errorCode, errorMessage });

  it('the client secret refused: invalid_client, or Entra\'s codes for a wrong or expired secret', () => {
    expect(secretRefused(serverError('invalid_client', 'AADSTS7000215: Invalid client secret provided.'))).to.equal(true);
    expect(secretRefused(serverError('invalid_client', 'something else'))).to.equal(true);
    expect(secretRefused(serverError('', 'AADSTS7000222: The provided client secret keys for app are expired.'))).to.equal(true);
  });

  it('not the secret: another OAuth2 error, a network failure, anything not an Error', () => {
    expect(secretRefused(serverError('invalid_scope', 'AADSTS70011: The provided value for scope is not valid.'))).to.equal(false);
    expect(secretRefused(serverError('unauthorized_client', 'AADSTS700016: Application not found in the directory.'))).to.equal(false);
    expect(secretRefused(new Error('connect ECONNREFUSED 127.0.0.1:1'))).to.equal(false);
    expect(secretRefused('invalid_client')).to.equal(false);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
