// `node bin/deployer [command]`: dispatch only. `run` (the default) runs the deployer; `status`,
// `plan` and `replay` inspect; `--help` and `--version` answer at once.

import { HELP, USAGE, version } from './help.js';
import { planCommand, statusCommand } from './inspect.js';
import { replayCommand } from './replay.js';
import { EXIT_FATAL, EXIT_OK, runDeployer } from './run.js';

const EXIT_USAGE = 2;
const argv = process.argv.slice(2);
const command = argv[0] === undefined || argv[0].startsWith('-') ? 'run' : argv[0];
const args = argv[0] === command ? argv.slice(1) : argv;

try {
  if (args.includes('--version')) {
    process.stdout.write(`sdp-slurm-deployer ${version()}\n`);
    process.exitCode = EXIT_OK;
  } else if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP[command] ?? USAGE);
    process.exitCode = HELP[command] === undefined ? EXIT_USAGE : EXIT_OK;
  } else if (command === 'run' && args.length === 0) {
    await runDeployer();
  } else if (command === 'status' && args.length === 0) {
    process.exitCode = await statusCommand();
  } else if (command === 'plan' && args.every((a) => a === '--json')) {
    process.exitCode = await planCommand(args);
  } else if (command === 'replay') {
    process.exitCode = await replayCommand(args);
  } else {
    process.stderr.write(`sdp-slurm-deployer: unknown arguments: ${argv.join(' ')}\n${USAGE}`);
    process.exitCode = EXIT_USAGE;
  }
} catch (error) {
  // Expected failures (Slurm unreachable for status or plan, say) end here, said in one line.
  process.stderr.write(`sdp-slurm-deployer: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = EXIT_FATAL;
}
