// Malformed and hostile deployment records, each with the answer the deployer owes it: FAILED
// with a reason naming the field, ignored (not a slurm deployment of ours), or run as given
// without a shell ever interpreting it (an "injection" leaves a marker file behind).

export type FuzzVerdict =
  | { readonly expect: 'failed'; readonly field: string }
  | { readonly expect: 'ignored' }
  | { readonly expect: 'runs' };

export interface FuzzRecord {
  readonly id: string;
  /** The etcd key's value, raw. */
  readonly value: string | Buffer;
  readonly verdict: FuzzVerdict;
  readonly what: string;
}

const MB = 1024 * 1024;

/** The corpus; `marker(n)` names a file an injected shell command would create. */
export function fuzzCorpus(tag: string, marker: (n: number) => string): FuzzRecord[] {
  const records: FuzzRecord[] = [];
  let n = 0;
  const id = () => `fz-${tag}-${++n}`;
  const slurm = (rid: string, args: unknown) => JSON.stringify({ key: rid, kind: 'slurm', args });
  const failed = (what: string, field: string, args: unknown) => {
    const rid = id();
    records.push({ id: rid, value: slurm(rid, args), verdict: { expect: 'failed', field }, what });
  };
  const raw = (what: string, verdict: FuzzVerdict, value: (rid: string) => string) => {
    const rid = id();
    records.push({ id: rid, value: value(rid), verdict, what });
  };
  const runs = (what: string, args: unknown) => {
    const rid = id();
    records.push({ id: rid, value: slurm(rid, args), verdict: { expect: 'runs' }, what });
  };
  const ok = '#!/bin/bash\ntrue\n';

  // Wrong types, field by field.
  for (const v of [5, true, [], {}, null, '']) failed(`script ${JSON.stringify(v)}`, 'args.script', { script: v });
  for (const v of ['ls', [1], [[]], {}, [], [null]]) failed(`command ${JSON.stringify(v)}`, 'args.command', { command: v });
  for (const v of [[], 'A=1', { A: 1 }, { '1A': 'x' }, { A: null }, { 'A B': 'x' }]) failed(`environment ${JSON.stringify(v)}`, 'args.environment', { script: ok, environment: v });
  for (const v of [1, '', [], {}]) failed(`partition ${JSON.stringify(v)}`, 'args.partition', { script: ok, partition: v });
  for (const v of ['5', -1, 0, 1.5, 1e12, 2 ** 31, 2 ** 32 + 1]) failed(`time_limit ${v}`, 'args.time_limit', { script: ok, time_limit: v });
  for (const [field, v] of [['nodes', 0], ['nodes', 2 ** 32], ['nodes', '2'], ['tasks', -5], ['tasks', 1e20], ['cpus_per_task', 70_000], ['cpus_per_task', 0], ['memory_per_node', 2 ** 60], ['memory_per_node', -1]] as const) {
    failed(`${field} ${v}`, `args.${field}`, { script: ok, [field]: v });
  }
  for (const field of ['current_working_directory', 'account', 'qos', 'standard_output', 'standard_error']) failed(`${field} a number`, `args.${field}`, { script: ok, [field]: 7 });
  raw('time_limit 1e400 (Infinity)', { expect: 'failed', field: 'args.time_limit' }, (rid) => `{"key":"${rid}","kind":"slurm","args":{"script":"true","time_limit":1e400}}`);

  // Unknown fields, prototype keys.
  failed('an unknown field', 'args.partiton', { script: ok, partiton: 'debug' });
  raw('__proto__ in args', { expect: 'failed', field: 'args.__proto__' }, (rid) => `{"key":"${rid}","kind":"slurm","args":{"script":"true","__proto__":{"polluted":1}}}`);
  failed('constructor in args', 'args.constructor', { script: ok, constructor: 1 });
  failed('script and command both', 'args.command', { script: ok, command: ['true'] });
  failed('neither script nor command', 'args.script', { partition: 'debug' });

  // NUL bytes.
  failed('NUL in the script', 'args.script', { script: '#!/bin/bash\necho a\u0000b\n' });
  failed('NUL in a command word', 'args.command', { command: ['echo', 'a\u0000; touch /tmp/x'] });
  failed('NUL in an environment value', 'args.environment', { script: ok, environment: { A: 'x\u0000y' } });
  failed('NUL in the partition', 'args.partition', { script: ok, partition: 'debug\u0000' });

  // Size and depth.
  failed('a 1 MB partition', 'args.partition', { script: ok, partition: 'p'.repeat(MB) });
  failed('a 1 MB environment value', 'args.environment', { script: ok, environment: { BIG: 'v'.repeat(MB) } });
  failed('a 1 MB unknown field', 'args.padding', { script: ok, padding: 'x'.repeat(MB) });
  runs('a 1 MB script (a comment)', { script: `#!/bin/bash\n# ${'c'.repeat(MB)}\ntrue\n` });
  raw('args nested 10000 deep', { expect: 'failed', field: 'args' }, (rid) => `{"key":"${rid}","kind":"slurm","args":${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
  raw('an environment nested 10000 deep', { expect: 'failed', field: 'args.environment' }, (rid) => `{"key":"${rid}","kind":"slurm","args":{"script":"true","environment":{"A":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}}}`);

  // The whole value malformed.
  raw('not JSON', { expect: 'failed', field: '' }, () => 'not json {');
  raw('an empty value', { expect: 'failed', field: '' }, () => '');
  raw('a JSON array', { expect: 'failed', field: '' }, () => '[]');
  raw('JSON null', { expect: 'failed', field: '' }, () => 'null');
  raw('a JSON number', { expect: 'failed', field: '' }, () => '42');
  raw('no kind', { expect: 'failed', field: 'kind' }, (rid) => `{"key":"${rid}","args":{"script":"true"}}`);
  raw('no args', { expect: 'failed', field: 'args' }, (rid) => `{"key":"${rid}","kind":"slurm"}`);
  raw('args null', { expect: 'failed', field: 'args' }, (rid) => `{"key":"${rid}","kind":"slurm","args":null}`);
  raw('kind a number', { expect: 'failed', field: 'kind' }, (rid) => `{"key":"${rid}","kind":7,"args":{"script":"true"}}`);
  const bytes = id();
  records.push({
    id: bytes,
    value: Buffer.concat([Buffer.from(`{"key":"${bytes}","kind":"slurm","args":{"script":"#!/bin/bash\\n# `), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('\\ntrue\\n"}}')]),
    verdict: { expect: 'runs' },
    what: 'bytes that are not UTF-8 in a script comment',
  });
  raw('another kind (helm)', { expect: 'ignored' }, (rid) => JSON.stringify({ key: rid, kind: 'helm', args: { chart: 'x' } }));
  raw('another kind, in the old format', { expect: 'ignored' }, (rid) => JSON.stringify({ id: rid, type: 'helm', args: {} }));

  // Valid, but hostile or unusual: run as given, nothing interpreted.
  const m = () => marker(n + 1);
  runs('shell metacharacters in command words', { command: ['echo', `$(touch ${m()})`, `\`touch ${m()}\``, `; touch ${m()}`, `| touch ${m()}`, `&& touch ${m()}`] });
  runs('quotes breaking out of quoting', { command: ['echo', `' ; touch ${m()} ; '`, `" ; touch ${m()} ; "`, `'\\''; touch ${m()}`] });
  runs('a newline in a command word', { command: ['echo', `a\ntouch ${m()}`] });
  runs('metacharacters in an environment value', { script: '#!/bin/bash\necho "$HOSTILE"\n', environment: { HOSTILE: `$(touch ${m()}); \`touch ${m()}\`` } });
  runs('glob characters', { command: ['echo', '*', '?', '[a-z]', '~', '{a,b}'] });
  runs('unicode words', { command: ['echo', 'héllo', '日本語', '🚀', '\u202Eevil', 'Ω≈ç√'] });
  runs('a unicode script', { script: '#!/bin/bash\n# ünïcödé 🚀\necho "日本語"\n' });
  runs('the old format', { script: ok });
  records[records.length - 1] = { ...records[records.length - 1]!, value: JSON.stringify({ id: records[records.length - 1]!.id, type: 'slurm', args: { script: ok } }) };
  runs('a time limit of one minute', { script: ok, time_limit: 1 });
  raw('a partition with shell metacharacters (Slurm refuses it)', { expect: 'failed', field: '' }, (rid) => slurm(rid, { script: ok, partition: `debug;touch ${marker(999)}` }));
  return records;
}
