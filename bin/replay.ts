// `sdp-slurm-deployer replay [-q] <journal>`: runs a journal's events through the reducer
// (lib/core/replay.ts) and prints the commands, one JSON line each; exits 1 naming the first
// line whose replay differs from what was recorded, with the first differing command as a diff.
// Reading the file is the only I/O here.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createReplay, type ReplayMismatch } from '../lib/core/replay.js';
import { firstCommandDiff } from './command-diff.js';
import { messageOf } from '../lib/core/error-message.js';

const EXIT_OK = 0;
const EXIT_DIFFERS = 1;
const EXIT_UNREADABLE = 2;

export async function replayCommand(file: string, options: { readonly quiet: boolean }): Promise<number> {
  // A reader gone away (`| head`) ends the printing, not the verification.
  let printing = !options.quiet;
  process.stdout.on('error', () => (printing = false));

  const replay = createReplay();
  let first: ReplayMismatch | undefined;
  let diff: string | undefined;
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
      if (mismatch !== undefined && first === undefined && step !== undefined && step.fault === undefined) diff = diffOfStep(text, step.commands);
      note(mismatch);
      if (step === undefined) continue;
      steps += 1;
      if (printing && step.commands.length > 0) process.stdout.write(step.commands.map((c) => `${JSON.stringify(c)}\n`).join(''));
    }
  } catch (error) {
    process.stderr.write(`sdp-slurm-deployer replay: cannot read ${file}: ${messageOf(error)}\n`);
    return EXIT_UNREADABLE;
  }
  note(replay.end());

  if (first !== undefined) {
    // The reason holds both command lists in full; the diff says it better when there is one.
    const reason = diff === undefined ? first.reason : first.reason.replace(/:.*$/s, '');
    process.stderr.write(
      `sdp-slurm-deployer replay: ${file} line ${first.lineNumber} differs: ${reason}\n` +
        (diff === undefined ? '' : `${diff}\n`) +
        `${mismatches} line(s) of ${file} did not replay as recorded\n`,
    );
    return EXIT_DIFFERS;
  }
  if (!options.quiet) process.stderr.write(`sdp-slurm-deployer replay: ${steps} steps of ${file} replayed as recorded\n`);
  return EXIT_OK;
}

/** The diff of a step whose commands differ; undefined for a fault or an unreadable recording. */
function diffOfStep(text: string, replayed: readonly unknown[]): string | undefined {
  try {
    const recorded = (JSON.parse(text) as { commands?: unknown }).commands;
    if (!Array.isArray(recorded)) return undefined;
    return firstCommandDiff(recorded, JSON.parse(JSON.stringify(replayed)) as unknown[]);
  } catch {
    return undefined;
  }
}
