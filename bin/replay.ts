// `sdp-slurm-deployer replay [-q] <journal>`: feeds the journal's lines to the replay check
// (lib/cli/replay-verdict.ts), prints the commands, one JSON line each, and says its verdict;
// exit 1 when a line differs from what was recorded. Reading the file is the only I/O here.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ReplayOptions } from '../lib/cli/arguments.js';
import { commandLines, createReplayCheck, unreadableJournal } from '../lib/cli/replay-verdict.js';

const EXIT_OK = 0;
const EXIT_DIFFERS = 1;
const EXIT_UNREADABLE = 2;

export async function replayCommand({ file, quiet }: ReplayOptions): Promise<number> {
  // A reader gone away (`| head`) ends the printing, not the verification.
  let printing = !quiet;
  process.stdout.on('error', () => (printing = false));
  const check = createReplayCheck();
  try {
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const text of lines) {
      const commands = check.line(text);
      if (printing && commands.length > 0) process.stdout.write(commandLines(commands));
    }
  } catch (error) {
    process.stderr.write(unreadableJournal(file, error));
    return EXIT_UNREADABLE;
  }
  const verdict = check.end(file, quiet);
  if (verdict.report !== '') process.stderr.write(verdict.report);
  return verdict.asRecorded ? EXIT_OK : EXIT_DIFFERS;
}
