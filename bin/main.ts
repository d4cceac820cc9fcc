// `sdp-slurm-deployer [command] [flags]`: parses the arguments (node:util parseArgs, strict) and
// dispatches. `run` (the default) runs the deployer; `status`, `plan` and `replay` inspect;
// `help` and `version` answer at once. A usage mistake exits 2 with the usage on stderr.

import { parseArgs } from 'node:util';
import { COMMANDS, isCommandName, PROGRAM, type CommandName } from './commands.js';
import { commandHelp, overview, usageError, version } from './help.js';
import { planCommand, statusCommand } from './inspect.js';
import { replayCommand } from './replay.js';
import { EXIT_FATAL, EXIT_OK, runDeployer } from './run.js';
import { messageOf } from '../lib/core/error-message.js';

const EXIT_USAGE = 2;

class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: CommandName,
  ) {
    super(message);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) return runCommand('run', []);
  if (first === '--help' || first === '-h') return say(rest.length === 0 ? overview() : helpFor(rest));
  if (first === '--version' || first === '-V') return rest.length === 0 ? say(`${PROGRAM} ${version()}\n`) : usage('--version takes no arguments');
  // Flags before any command are the default command's (run), as before.
  if (first.startsWith('-')) return runCommand('run', argv);
  if (!isCommandName(first)) throw new UsageError(`unknown command "${first}"`);
  return runCommand(first, rest);
}

async function runCommand(name: CommandName, args: readonly string[]): Promise<number> {
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
  if (values['help'] === true) return say(commandHelp(name));
  switch (name) {
    case 'run':
      await runDeployer();
      return EXIT_OK;
    case 'status':
      return statusCommand({ ids: positionals, output: oneOf(name, 'output', values['output'], ['table', 'wide', 'json', 'yaml']), watch: values['watch'] === true, intervalSeconds: seconds(name, values['interval']) });
    case 'plan':
      return planCommand({ output: values['json'] === true ? 'json' : oneOf(name, 'output', values['output'], ['text', 'json']) });
    case 'replay':
      if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'a journal file is needed' : 'one journal file only', name);
      return replayCommand(positionals[0] as string, { quiet: values['quiet'] === true });
    case 'help':
      return say(positionals.length === 0 ? overview() : helpFor(positionals));
    case 'version':
      return say(`${PROGRAM} ${version()}\n`);
  }
}

function helpFor(names: readonly string[]): string {
  const [name, ...more] = names;
  if (name === undefined || more.length > 0) throw new UsageError('help takes one command', 'help');
  if (!isCommandName(name)) throw new UsageError(`unknown command "${name}"`, 'help');
  return commandHelp(name);
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

function say(text: string): number {
  process.stdout.write(text);
  return EXIT_OK;
}

function usage(problem: string): number {
  process.stderr.write(usageError(problem));
  return EXIT_USAGE;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(usageError(error.message, error.command));
    process.exitCode = EXIT_USAGE;
  } else {
    // Expected failures (Slurm unreachable for status or plan, say) end here, said in one line.
    process.stderr.write(`${PROGRAM}: ${messageOf(error)}\n`);
    process.exitCode = EXIT_FATAL;
  }
}
