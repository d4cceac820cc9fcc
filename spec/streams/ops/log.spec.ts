import { expect } from 'chai';
import { Secret } from '../../../lib/base/secret.js';
import { createLogger } from '../../../streams/ops/log.js';

function capture(options: Omit<Parameters<typeof createLogger>[0], 'write'>) {
  const lines: string[] = [];
  const log = createLogger({ ...options, write: (line) => lines.push(line) });
  return { log, lines };
}

describe('createLogger', () => {
  it('writes one JSON object per line with the SDP level names and the fields', () => {
    const { log, lines } = capture({ level: 'INFO' });
    log.info('job submitted', { deployment: 'd1', job: 7 });
    log.warning('submit failed', { deployment: 'd2' });
    const [first, second] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).to.include({ level: 'INFO', message: 'job submitted', deployment: 'd1', job: 7 });
    expect(first?.['time']).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(second).to.include({ level: 'WARNING', message: 'submit failed' });
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).to.equal(true);
  });

  it('honours the level', () => {
    const { log, lines } = capture({ level: 'WARNING' });
    log.debug('d');
    log.info('i');
    log.warning('w');
    log.error('e');
    expect(lines.map((l) => (JSON.parse(l) as { message: string }).message)).to.deep.equal(['w', 'e']);
  });

  it('censors secret-bearing fields and prints Secret values redacted', () => {
    const { log, lines } = capture({ level: 'DEBUG' });
    log.info('x', { password: 'etcd-pass', token: 'jwt-value', nested: { client_secret: 'cs-value' }, jwt: new Secret('eyJ-secret') });
    const text = lines.join('');
    for (const secret of ['etcd-pass', 'jwt-value', 'cs-value', 'eyJ-secret']) expect(text).not.to.contain(secret);
    expect(text).to.contain('[redacted]');
  });

  it('writes the SKA format: 1|time|LEVEL|thread|function|file#line|tags|message, naming the caller', () => {
    const { log, lines } = capture({ level: 'INFO', format: 'ska' });
    function submitJob() {
      log.info('job submitted', { deployment: 'd1', job: 7 });
    }
    submitJob();
    // Mocha maps the compiled line back to this file through the source map.
    expect(lines[0]).to.match(/^1\|\d{4}-\d\d-\d\dT[\d:.]+Z\|INFO\|main\|submitJob\|log\.spec\.(ts|js)#\d+\|deployment:d1,job:7\|job submitted\n$/);
    const line = Number(/#(\d+)\|/.exec(lines[0] ?? '')?.[1]);
    expect(line).to.be.greaterThan(40);
  });

  it('escapes |, commas, backslashes and line breaks in SKA tags, and keeps the line one line', () => {
    const { log, lines } = capture({ level: 'INFO', format: 'ska' });
    log.warning('two\nlines | kept', { reason: 'a|b,c\\d\ne' });
    // A reader splits at the first seven unescaped bars: the message is the rest of the line.
    const fields = (lines[0] ?? '').split(/(?<!\\)\|/);
    expect(fields[6]).to.equal('reason:a\\|b\\,c\\\\d\\ne');
    expect(fields.slice(7).join('|')).to.equal('two\\nlines | kept\n');
    expect((lines[0] ?? '').slice(0, -1)).not.to.contain('\n');
  });

  it('writes a human format: time, level, message, then key=value fields', () => {
    const { log, lines } = capture({ level: 'INFO', format: 'human' });
    log.error('poll failed', { error: 'connection refused' });
    expect(lines[0]).to.match(/^\d\d:\d\d:\d\d\.\d{3} ERROR   poll failed {2}error=connection refused\n$/);
  });
});
