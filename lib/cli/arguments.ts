// The command line read: argv to the command to run and its options, the help or version to
// print, or a usage mistake (which bin/ answers with the usage on stderr and exit 2). Parsed by
// node:util parseArgs, strict, against lib/cli/command-specs.ts. No I/O.

import { parseArgs } from 'node:util';
import { COMMANDS, isCommandName, PLAN_OUTPUTS, STATUS_OUTPUTS, type CommandName } from './command-specs.js';
import { messageOf } from '../core/error-message.js';

export interface StatusOptions {
  readonly ids: readonly string[];
  readonly output: (typeof STATUS_OUTPUTS)[number];
  readonly watch: boolean;
  readonly intervalSeconds: number;
}

export interface PlanOptions {
  readonly output: (typeof PLAN_OUTPUTS)[number];
}

export interface ReplayOptions {
  readonly file: string;
  readonly quiet: boolean;
}

/** What the command line asks for. */
export type Invocation =
  | { readonly kind: 'run' }
  | { readonly kind: 'status'; readonly options: StatusOptions }
  | { readonly kind: 'plan'; readonly options: PlanOptions }
  | { readonly kind: 'replay'; readonly options: ReplayOptions }
  /** The command list (`--help`, `help`). */
  | { readonly kind: 'overview' }
  /** One command's help (`help <command>`, `<command> --help`). */
  | { readonly kind: 'help'; readonly command: CommandName }
  | { readonly kind: 'version' }
  /** A usage mistake, and the command whose usage to show (none: the program's). */
  | { readonly kind: 'usage'; readonly problem: string; readonly command?: CommandName };

class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: CommandName,
  ) {
    super(message);
  }
}

/** The invocation of `argv` (the arguments after the program name). */
export function readArguments(argv: readonly string[]): Invocation {
  try {
    return invocationOf(argv);
  } catch (error) {
    if (error instanceof UsageError) return error.command === undefined ? { kind: 'usage', problem: error.message } : { kind: 'usage', problem: error.message, command: error.command };
    throw error;
  }
}

function invocationOf(argv: readonly string[]): Invocation {
  const [first, ...rest] = argv;
  if (first === undefined) return commandOf('run', []);
  if (first === '--help' || first === '-h') return rest.length === 0 ? { kind: 'overview' } : helpFor(rest);
  if (first === '--version' || first === '-V') {
    if (rest.length === 0) return { kind: 'version' };
    throw new UsageError('--version takes no arguments');
  }
  // Flags before any command are the default command's (run), as before.
  if (first.startsWith('-')) return commandOf('run', argv);
  if (!isCommandName(first)) throw new UsageError(`unknown command "${first}"`);
  return commandOf(first, rest);
}

function commandOf(name: CommandName, args: readonly string[]): Invocation {
  const spec = COMMANDS[name];
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...spec.options, help: { type: 'boolean', short: 'h', default: false } },
      allowPositionals: spec.positionals,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(messageOf(error), name);
  }
  const { positionals } = parsed;
  const values = parsed.values as Readonly<Record<string, string | boolean | undefined>>;
  if (values['help'] === true) return { kind: 'help', command: name };
  switch (name) {
    case 'run':
      return { kind: 'run' };
    case 'status':
      return {
        kind: 'status',
        options: { ids: positionals, output: oneOf(name, 'output', values['output'], STATUS_OUTPUTS), watch: values['watch'] === true, intervalSeconds: seconds(name, values['interval']) },
      };
    case 'plan':
      return { kind: 'plan', options: { output: values['json'] === true ? 'json' : oneOf(name, 'output', values['output'], PLAN_OUTPUTS) } };
    case 'replay':
      if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'a journal file is needed' : 'one journal file only', name);
      return { kind: 'replay', options: { file: positionals[0] as string, quiet: values['quiet'] === true } };
    case 'help':
      return positionals.length === 0 ? { kind: 'overview' } : helpFor(positionals);
    case 'version':
      return { kind: 'version' };
  }
}

function helpFor(names: readonly string[]): Invocation {
  const [name, ...more] = names;
  if (name === undefined || more.length > 0) throw new UsageError('help takes one command', 'help');
  if (!isCommandName(name)) throw new UsageError(`unknown command "${name}"`, 'help');
  return { kind: 'help', command: name };
}

function oneOf<T extends string>(command: CommandName, flag: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag} must be one of ${allowed.join(', ')} (got "${String(value)}")`, command);
}

function seconds(command: CommandName, value: unknown): number {
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isFinite(n) || n < 0.1 || n > 3600) throw new UsageError(`--interval must be seconds between 0.1 and 3600 (got "${String(value)}")`, command);
  return n;
}
