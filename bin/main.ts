// `node bin/deployer`: with no arguments (or `run`) runs the deployer; `replay [--quiet] <journal>`
// replays a journal through the reducer. Dispatch only.

import { replayCommand } from './replay.js';
import { runDeployer } from './run.js';

const EXIT_USAGE = 2;
const USAGE = 'usage: deployer [run]\n       deployer replay [--quiet] <journal file>\n';

const [command, ...args] = process.argv.slice(2);
if (command === undefined || (command === 'run' && args.length === 0)) {
  await runDeployer();
} else if (command === 'replay') {
  process.exitCode = await replayCommand(args);
} else {
  process.stderr.write(`sdp-slurm-deployer: unknown arguments: ${process.argv.slice(2).join(' ')}\n${USAGE}`);
  process.exitCode = EXIT_USAGE;
}
