// `node bin/deployer replay [--quiet] <journal>`: runs a journal's events through the reducer
// (lib/core/replay.ts) and prints the commands, one JSON line each; exits 1 naming the first
// line whose replay differs from what was recorded. Reading the file is the only I/O here.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createReplay, type ReplayMismatch } from '../lib/core/replay.js';

const EXIT_OK = 0;
const EXIT_DIFFERS = 1;
const EXIT_USAGE = 2;

export async function replayCommand(args: readonly string[]): Promise<number> {
  const quiet = args.includes('--quiet');
  const files = args.filter((a) => a !== '--quiet');
  const [file] = files;
  if (file === undefined || files.length !== 1 || file.startsWith('-')) {
    process.stderr.write('usage: deployer replay [--quiet] <journal file>\n');
    return EXIT_USAGE;
  }
  // A reader gone away (`| head`) ends the printing, not the verification.
  let printing = !quiet;
  process.stdout.on('error', () => (printing = false));

  const replay = createReplay();
  let first: ReplayMismatch | undefined;
  let mismatches = 0;
  let steps = 0;
  const note = (mismatch: ReplayMismatch | undefined) => {
    if (mismatch === undefined) return;
    mismatches += 1;
    first ??= mismatch;
  };
  try {
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const text of lines) {
      const { step, mismatch } = replay.line(text);
      note(mismatch);
      if (step === undefined) continue;
      steps += 1;
      if (printing && step.commands.length > 0) process.stdout.write(step.commands.map((c) => `${JSON.stringify(c)}\n`).join(''));
    }
  } catch (error) {
    process.stderr.write(`sdp-slurm-deployer replay: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_USAGE;
  }
  note(replay.end());

  if (first !== undefined) {
    process.stderr.write(
      `sdp-slurm-deployer replay: ${file} line ${first.lineNumber} differs: ${first.reason}\n` +
        `${mismatches} line(s) of ${file} did not replay as recorded\n`,
    );
    return EXIT_DIFFERS;
  }
  if (!quiet) process.stderr.write(`sdp-slurm-deployer replay: ${steps} steps of ${file} replayed as recorded\n`);
  return EXIT_OK;
}
