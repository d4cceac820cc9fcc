// Log lines through pino: JSON by default, a human format on a terminal, the SKA format on
// request. Fields such as the deployment and job ids ride along as structured fields. Known
// secret-bearing fields are censored whatever a caller passes (Secret values print redacted too).

import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogFormat, LogLevel } from '../../lib/config/deployer-config.js';

/** Structured fields of a log line (deployment and job ids, errors...); known secret fields are censored. */
export type LogFields = Readonly<Record<string, unknown>>;

/** The deployer's logger: one method per level, a message and fields. */
export interface Logger {
  /** Logs at DEBUG. */
  debug(message: string, fields?: LogFields): void;
  /** Logs at INFO. */
  info(message: string, fields?: LogFields): void;
  /** Logs at WARNING. */
  warning(message: string, fields?: LogFields): void;
  /** Logs at ERROR. */
  error(message: string, fields?: LogFields): void;
}

/** How createLogger writes. */
export interface LoggerOptions {
  /** Lines below this level are dropped. */
  readonly level: LogLevel;
  /** The line format; default JSON. */
  readonly format?: LogFormat;
  /** Where lines go; stdout by default. */
  readonly write?: (line: string) => void;
}

const PINO_LEVEL: Readonly<Record<LogLevel, string>> = { DEBUG: 'debug', INFO: 'info', WARNING: 'warn', ERROR: 'error' };
const SDP_LEVEL: Readonly<Record<string, LogLevel>> = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' };

/** Field names whose values are never printed, at the top level or one level down. */
const SECRET_FIELDS = ['password', 'token', 'jwt', 'secret', 'clientSecret', 'client_secret', 'authorization', 'X-SLURM-USER-TOKEN'];
const REDACT_PATHS = [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*.${f}`)].map((p) => (/^[\w.*]+$/.test(p) ? p : `["${p}"]`));

/** A logger (pino underneath) writing one line per call, secrets censored. */
export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const format = options.format ?? 'json';
  const destination: DestinationStream = { write: format === 'json' ? write : (line: string) => write(reformat(format, line)) };
  const logger: PinoLogger = pino(
    {
      level: PINO_LEVEL[options.level],
      base: undefined,
      messageKey: 'message',
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: SDP_LEVEL[label] ?? label.toUpperCase() }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
  // The SKA format names the calling function and file#line: read from the stack, for it only.
  const withCaller = format === 'ska' ? (fields: LogFields | undefined, self: Function) => ({ ...fields, [CALLER]: callerOf(self) }) : (fields: LogFields | undefined) => fields ?? {};
  const sink: Logger = {
    debug: (message, fields) => logger.debug(withCaller(fields, sink.debug), message),
    info: (message, fields) => logger.info(withCaller(fields, sink.info), message),
    warning: (message, fields) => logger.warn(withCaller(fields, sink.warning), message),
    error: (message, fields) => logger.error(withCaller(fields, sink.error), message),
  };
  return sink;
}

/** The field that carries the caller to the SKA formatter (never printed as a tag). */
const CALLER = '__caller';

interface Caller {
  readonly function: string;
  /** `file#line`. */
  readonly at: string;
}

/** The function and file#line of whoever called `self`, from a V8 stack frame. */
export function callerOf(self: Function): Caller {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 1;
  Error.captureStackTrace(holder, self);
  Error.stackTraceLimit = limit;
  const frame = holder.stack?.split('\n')[1]?.trim() ?? '';
  // `at fn (file:///a/b.js:12:5)`, `at file:///a/b.js:12:5`, `at async fn (...)`
  const match = /^at (?:async )?(?:(.+?) \()?(?:file:\/\/)?(.*?):(\d+):\d+\)?$/.exec(frame);
  if (match === null) return { function: '', at: '' };
  const [, fn = '', file = '', line = ''] = match;
  return { function: fn.replace(/^(?:Object|Module)\./, ''), at: `${file.split('/').at(-1) ?? file}#${line}` };
}

/** The format to use when none is configured: human on a terminal, JSON for machines. */
export function defaultLogFormat(isTty: boolean): LogFormat {
  return isTty ? 'human' : 'json';
}

interface Line {
  readonly time: string;
  readonly level: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

function reformat(format: Exclude<LogFormat, 'json'>, json: string): string {
  const { time, level, message, [CALLER]: caller, ...fields } = JSON.parse(json) as Line;
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  if (format === 'ska') {
    // 1|<ISO time>|<LEVEL>|<thread>|<function>|<file>#<line>|<tags>|<message>, one line: a tag
    // escapes `\`, `|`, `,` and line breaks; the message, the last field, only `\` and line breaks.
    const tags = Object.entries(fields).map(([k, v]) => `${escapeSka(k, true)}:${escapeSka(text(v), true)}`);
    const at = (caller ?? {}) as Partial<Caller>;
    return `1|${time}|${level}|main|${escapeSka(at.function ?? '', true)}|${escapeSka(at.at ?? '', true)}|${tags.join(',')}|${escapeSka(message, false)}\n`;
  }
  const pairs = Object.entries(fields).map(([k, v]) => `${k}=${text(v)}`);
  return `${time.slice(11, 23)} ${level.padEnd(7)} ${message}${pairs.length > 0 ? `  ${pairs.join(' ')}` : ''}\n`;
}

function escapeSka(value: string, inTag: boolean): string {
  const escaped = value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('\r', '\\r');
  return inTag ? escaped.replaceAll('|', '\\|').replaceAll(',', '\\,') : escaped;
}
