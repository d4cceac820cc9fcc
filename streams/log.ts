// Log lines through pino: JSON by default, a human format on a terminal, the SKA format on
// request. Fields such as the deployment and job ids ride along as structured fields. Known
// secret-bearing fields are censored whatever a caller passes (Secret values print redacted too).

import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogFormat, LogLevel } from '../lib/core/config.js';

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warning(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format?: LogFormat;
  /** Where lines go; stdout by default. */
  readonly write?: (line: string) => void;
}

const PINO_LEVEL: Readonly<Record<LogLevel, string>> = { DEBUG: 'debug', INFO: 'info', WARNING: 'warn', ERROR: 'error' };
const SDP_LEVEL: Readonly<Record<string, LogLevel>> = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' };

/** Field names whose values are never printed, at the top level or one level down. */
const SECRET_FIELDS = ['password', 'token', 'jwt', 'secret', 'clientSecret', 'client_secret', 'authorization', 'X-SLURM-USER-TOKEN'];
const REDACT_PATHS = [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*.${f}`)].map((p) => (/^[\w.*]+$/.test(p) ? p : `["${p}"]`));

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
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warning: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
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
  const { time, level, message, ...fields } = JSON.parse(json) as Line;
  const pairs = Object.entries(fields).map(([k, v]) => `${k}${format === 'ska' ? ':' : '='}${typeof v === 'string' ? v : JSON.stringify(v)}`);
  if (format === 'ska') {
    // 1|<ISO time>|<LEVEL>|<thread>|<function>|<file>#<line>|<tags>|<message>
    return `1|${time}|${level}|main|||${pairs.join(',').replaceAll('|', '/')}|${message}\n`;
  }
  return `${time.slice(11, 23)} ${level.padEnd(7)} ${message}${pairs.length > 0 ? `  ${pairs.join(' ')}` : ''}\n`;
}
