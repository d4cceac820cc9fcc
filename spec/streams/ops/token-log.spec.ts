// logTokenEvent through a real logger: one line per event at the level the event is worth,
// the token never printed.

import { expect } from 'chai';
import type { TokenEvent } from '../../../lib/auth/token-events.js';
import { Secret } from '../../../lib/base/secret.js';
import { createLogger } from '../../../streams/ops/log.js';
import { logTokenEvent } from '../../../streams/ops/token-log.js';

describe('logTokenEvent', () => {
  it('writes one line per event, INFO or WARNING, without the token', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'INFO', write: (line) => lines.push(line) });
    const now = 1_000_000;
    const token = { token: new Secret('s3cr3t-token-value'), obtainedAt: now, expiresAt: now + 60_000 };
    const events: TokenEvent[] = [
      { type: 'tokenObtained', reason: 'start', token, changed: true, stale: false, refreshAt: now + 48_000 },
      { type: 'tokenFailed', reason: 'due', failure: { kind: 'auth', message: 'no token: ECONNREFUSED' }, attempt: 1, retryAt: now + 1_000 },
    ];
    for (const event of events) logTokenEvent(log, 'entra', event, now);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((p) => [p['level'], p['message']])).to.deep.equal([
      ['INFO', 'Slurm token issued by the token server; Slurm has not checked it yet'],
      ['WARNING', 'Slurm token refresh failed'],
    ]);
    expect(parsed[0]).to.include({ method: 'entra', expiresInSeconds: 60, refreshInSeconds: 48 });
    expect(lines.join('')).not.to.contain('s3cr3t-token-value');
  });
});
