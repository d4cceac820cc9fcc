// The value forms of sbatch's options that a deployment may use, read from text as sbatch reads
// them: durations, sizes, points in time, signals, mail types, GPU counts. Pure; each reader
// answers undefined for text it does not take, and its form in words is exported beside it.

/** A point in time: an absolute Unix time, or seconds after the submit. */
export type SlurmTime = { readonly at: number } | { readonly after: number };

export const TIME_FORM = '"now+<count>[seconds|minutes|hours|days|weeks]" or an ISO 8601 time with a zone, e.g. 2030-01-20T12:34:00Z';

const RELATIVE = /^now(?:\+(\d{1,9})(seconds|second|sec|s|minutes|minute|min|m|hours|hour|h|days|day|d|weeks|week|w)?)?$/i;
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * `now`, `now+60` (seconds, as sbatch), `now+2hours`, or an ISO 8601 time with its zone (a time
 * without one is refused: sbatch reads it in the submitter's zone, which a deployment has not).
 */
export function readSlurmTime(text: string): SlurmTime | undefined {
  const relative = RELATIVE.exec(text);
  if (relative !== null) {
    const count = Number(relative[1] ?? '0');
    const unit = (relative[2] ?? 's').toLowerCase().replace(/^min.*/, 'm').replace(/^sec.*/, 's')[0] as string;
    return { after: count * (UNIT_SECONDS[unit] ?? 1) };
  }
  const iso = ISO.exec(text);
  if (iso === null) return undefined;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) return undefined;
  // Date.parse rolls 2030-02-31 over into March: the fields must read back as written.
  const [, y, mo, d, h, mi] = iso;
  const offset = iso[7] as string;
  const zone = offset === 'Z' ? 0 : (offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4)));
  const local = new Date(ms + zone * 60_000);
  const same = local.getUTCFullYear() === Number(y) && local.getUTCMonth() + 1 === Number(mo) && local.getUTCDate() === Number(d) && local.getUTCHours() === Number(h) && local.getUTCMinutes() === Number(mi);
  return same && ms >= 0 ? { at: Math.floor(ms / 1000) } : undefined;
}

/** The canonical text of a time: what readSlurmTime reads back as the same time. */
export function formatSlurmTime(time: SlurmTime): string {
  if ('after' in time) return time.after === 0 ? 'now' : `now+${time.after}`;
  return new Date(time.at * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

export const DURATION_FORM = 'minutes, or [days-]hours:minutes[:seconds], e.g. 90, 1:30:00, 2-0';

/**
 * sbatch's --time forms in whole minutes, seconds rounded up: "m", "m:s", "h:m:s", "d-h",
 * "d-h:m", "d-h:m:s". "UNLIMITED" is not taken: a deployment's limit is a number.
 */
export function readDuration(text: string): number | undefined {
  const m = /^(?:(\d{1,9})-(\d{1,9})(?::(\d{1,9})(?::(\d{1,9}))?)?|(\d{1,10})(?::(\d{1,9})(?::(\d{1,9}))?)?)$/.exec(text);
  if (m === null) return undefined;
  let seconds: number;
  if (m[1] !== undefined) {
    seconds = Number(m[1]) * 86_400 + Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  } else if (m[7] !== undefined) {
    seconds = Number(m[5]) * 3600 + Number(m[6]) * 60 + Number(m[7]);
  } else {
    seconds = Number(m[5]) * 60 + Number(m[6] ?? 0);
  }
  return Math.ceil(seconds / 60);
}

export const SIZE_FORM = 'megabytes, or a count with a unit K, M, G or T, e.g. 4G';

/** sbatch's --mem forms in megabytes (the default unit), kilobytes rounded up. */
export function readSize(text: string): number | undefined {
  const m = /^(\d{1,16})([KMGT]?)B?$/i.exec(text);
  if (m === null) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toUpperCase();
  const mb = unit === 'K' ? Math.ceil(n / 1024) : unit === 'G' ? n * 1024 : unit === 'T' ? n * 1024 * 1024 : n;
  return Number.isSafeInteger(mb) ? mb : undefined;
}

/** A signal sent before a job's time limit (sbatch --signal). */
export interface SlurmSignal {
  /** The signal's name without SIG (USR1) or its number as text (10). */
  readonly signal: string;
  /** Seconds before the end of the time limit (sbatch's default: 60). */
  readonly seconds: number;
  /** B: to the batch shell only; R: at the end of the job's reservation. */
  readonly target?: 'batch' | 'reservation';
}

export const SIGNAL_FORM = '[{R|B}:]<sig>[@<seconds>], e.g. USR1@60 or B:TERM@120';

const SIGNAL_NAMES: ReadonlySet<string> = new Set([
  'HUP', 'INT', 'QUIT', 'ILL', 'TRAP', 'ABRT', 'BUS', 'FPE', 'KILL', 'USR1', 'SEGV', 'USR2', 'PIPE', 'ALRM', 'TERM',
  'STKFLT', 'CHLD', 'CONT', 'STOP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'XCPU', 'XFSZ', 'VTALRM', 'PROF', 'WINCH', 'IO', 'PWR', 'SYS',
]);

export function readSignal(text: string): SlurmSignal | undefined {
  const m = /^(?:([RB]):)?([A-Za-z0-9]{1,10})(?:@(\d{1,5}))?$/.exec(text);
  if (m === null) return undefined;
  const name = m[2]!.toUpperCase().replace(/^SIG/, '');
  const number = /^\d+$/.test(name) ? Number(name) : undefined;
  if (number === undefined ? !SIGNAL_NAMES.has(name) : number < 1 || number > 64) return undefined;
  const seconds = m[3] === undefined ? 60 : Number(m[3]);
  if (seconds > 65_533) return undefined;
  const target = m[1] === 'B' ? 'batch' : m[1] === 'R' ? 'reservation' : undefined;
  const signal = number === undefined ? name : String(number);
  return target === undefined ? { signal, seconds } : { signal, seconds, target };
}

export function formatSignal(s: SlurmSignal): string {
  const prefix = s.target === 'batch' ? 'B:' : s.target === 'reservation' ? 'R:' : '';
  return `${prefix}${s.signal}@${s.seconds}`;
}

/** sbatch's mail types; ALL is BEGIN, END, FAIL, REQUEUE and STAGE_OUT, as in Slurm. */
export const MAIL_TYPES = ['BEGIN', 'END', 'FAIL', 'REQUEUE', 'STAGE_OUT', 'INVALID_DEPEND', 'TIME_LIMIT', 'TIME_LIMIT_90', 'TIME_LIMIT_80', 'TIME_LIMIT_50', 'ARRAY_TASKS'] as const;
/** One of sbatch's --mail-type values. */
export type MailType = (typeof MAIL_TYPES)[number];
export const MAIL_TYPE_FORM = `a comma-separated list of NONE, ALL, ${MAIL_TYPES.join(', ')}`;

/** The set of mail types, in MAIL_TYPES' order; NONE alone is the empty set. */
export function readMailTypes(text: string): readonly MailType[] | undefined {
  const wanted = new Set<MailType>();
  const words = text.split(',').map((w) => w.trim().toUpperCase());
  for (const word of words) {
    if (word === 'NONE' && words.length === 1) continue;
    if (word === 'ALL') for (const t of ['BEGIN', 'END', 'FAIL', 'REQUEUE', 'STAGE_OUT'] as const) wanted.add(t);
    else if ((MAIL_TYPES as readonly string[]).includes(word)) wanted.add(word as MailType);
    else return undefined;
  }
  return MAIL_TYPES.filter((t) => wanted.has(t));
}

export function formatMailTypes(types: readonly MailType[]): string {
  return types.length === 0 ? 'NONE' : types.join(',');
}

export const GPU_COUNT_FORM = 'a positive count, or [type:]count as text, e.g. 2 or a100:2';

/** `2` or `a100:2`: a GPU count, with the GPU type when one is asked for. */
export function readGpuCount(value: string | number): string | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  const m = /^(?:([A-Za-z_][\w.-]{0,63}):)?(\d{1,9})$/.exec(text);
  return m === null || Number(m[2]) === 0 ? undefined : m[1] === undefined ? String(Number(m[2])) : `${m[1]}:${Number(m[2])}`;
}

export const GRES_FORM = 'a comma-separated list of name[:type][:count], e.g. gpu:2 or gpu:a100:1,nic:1';

/** sbatch's --gres list: each item `name[:type][:count]`. */
export function isGres(text: string): boolean {
  return text.split(',').every((item) => /^[A-Za-z_][\w.-]{0,63}(?::[A-Za-z_][\w.-]{0,63})?(?::\d{1,9})?$/.test(item));
}

export const ARRAY_FORM = 'indexes like 0-15, 1,3,5, 0-15:4, each list optionally ending %<max running>';

export function isArraySpec(text: string): boolean {
  return /^\d{1,9}(?:-\d{1,9}(?::\d{1,9})?)?(?:,\d{1,9}(?:-\d{1,9}(?::\d{1,9})?)?)*(?:%\d{1,9})?$/.test(text);
}

export const DISTRIBUTION_FORM = '{*|block|cyclic|arbitrary|plane=<size>}[:{*|block|cyclic|fcyclic}[:{*|block|cyclic|fcyclic}]][,{Pack|NoPack}]';

export function isDistribution(text: string): boolean {
  return /^(?:\*|block|cyclic|arbitrary|plane=\d{1,9})(?::(?:\*|block|cyclic|fcyclic)){0,2}(?:,(?:Pack|NoPack))?$/.test(text);
}

export const LICENSES_FORM = 'a comma-separated (or |-separated) list of name[:count], e.g. matlab:2';

export function isLicenses(text: string): boolean {
  return /^[\w.@-]{1,64}(?::\d{1,9})?(?:[,|][\w.@-]{1,64}(?::\d{1,9})?)*$/.test(text);
}
