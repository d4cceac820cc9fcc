// `sdp-slurm-deployer [command] [flags]`: reads the arguments (lib/cli/arguments.ts) and
// dispatches. `run` (the default) runs the deployer; `status`, `plan` and `replay` inspect;
// `help` and `version` answer at once. A usage mistake exits 2 with the usage on stderr.

import { readFileSync } from 'node:fs';
import { readArguments, type Invocation } from '../lib/cli/arguments.js';
import { PROGRAM } from '../lib/cli/command-specs.js';
import { commandHelp, overview, usageError, versionLine } from '../lib/cli/help-text.js';
import { planCommand, statusCommand } from './inspect.js';
import { replayCommand } from './replay.js';
import { runDeployer } from './run.js';
import { messageOf } from '../lib/core/error-message.js';
import { EXIT_CONFIG as EXIT_USAGE, EXIT_FATAL, EXIT_OK } from '../lib/cli/exit-codes.js';
import { CommandTrouble } from '../lib/cli/command-trouble.js';

async function main(invocation: Invocation): Promise<number> {
  switch (invocation.kind) {
    case 'run':
      await runDeployer();
      return EXIT_OK;
    case 'status':
      return statusCommand(invocation.options);
    case 'plan':
      return planCommand(invocation.options);
    case 'replay':
      return replayCommand(invocation.options);
    case 'overview':
      return say(overview(version()));
    case 'help':
      return say(commandHelp(invocation.command));
    case 'version':
      return say(versionLine(version()));
    case 'usage':
      process.stderr.write(usageError(invocation.problem, invocation.command));
      return EXIT_USAGE;
  }
}

function say(text: string): number {
  process.stdout.write(text);
  return EXIT_OK;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

try {
  process.exitCode = await main(readArguments(process.argv.slice(2)));
} catch (error) {
  // Expected failures (Slurm unreachable for status or plan, say) end here, said in one line,
  // with the exit code of their cause.
  process.stderr.write(`${PROGRAM}: ${messageOf(error)}\n`);
  process.exitCode = error instanceof CommandTrouble ? error.exitCode : EXIT_FATAL;
}
