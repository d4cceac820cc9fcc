// The CLI's words: the command list, one command's help, the usage line of a mistake, the version
// line. Pure text; the version itself is read by bin/ from package.json.

import { COMMANDS, PROGRAM, type CommandName } from './command-specs.js';
import { alignColumns } from './aligned-columns.js';

/** `sdp-slurm-deployer --help`: what it is and its commands. */
export function overview(version: string): string {
  const rows = Object.values(COMMANDS).map((c) => [`  ${c.name}`, c.summary]);
  return `${PROGRAM} ${version}: turns SKA SDP Config DB deployments of kind slurm into Slurm batch jobs.

Usage:
  ${PROGRAM} [command] [flags]

Commands:
${alignColumns(rows)}

Flags:
  -h, --help     help for ${PROGRAM}, or for a command
      --version  the version

Use "${PROGRAM} help <command>" or "${PROGRAM} <command> --help" for more about a command.
`;
}

export function usageLine(name: CommandName): string {
  const spec = COMMANDS[name];
  return `${PROGRAM} ${name === 'run' ? '' : `${name} `}${spec.synopsis}`.trimEnd();
}

/** `sdp-slurm-deployer help <command>`. */
export function commandHelp(name: CommandName): string {
  const spec = COMMANDS[name];
  const flags = alignColumns(spec.flags.map(([flag, meaning]) => [`  ${flag}`, meaning]));
  return `Usage:
  ${usageLine(name)}

${spec.description}

Flags:
${flags}
${spec.environment === undefined ? '' : `\nEnvironment:\n${spec.environment}\n`}`;
}

/** What a usage mistake prints on stderr, before exit 2. */
export function usageError(problem: string, name?: CommandName): string {
  const usage = name === undefined ? `Usage:\n  ${PROGRAM} [command] [flags]` : `Usage:\n  ${usageLine(name)}`;
  const more = name === undefined ? `${PROGRAM} --help` : `${PROGRAM} help ${name}`;
  return `${PROGRAM}: ${problem}\n${usage}\nRun "${more}" for more.\n`;
}

/** `sdp-slurm-deployer --version`. */
export function versionLine(version: string): string {
  return `${PROGRAM} ${version}\n`;
}
